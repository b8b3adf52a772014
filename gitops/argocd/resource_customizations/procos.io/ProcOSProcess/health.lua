-- Argo CD health of a ProcOS ProcOSProcess (procos.io/v1alpha1), read from the status the ProcOS
-- operator writes (operator/controllers/process). Runs without Lua's open libraries, as
-- argocd-cm customizations do. The mapping and why: gitops/README.md.
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

-- The engine could not be reached or failed unexpectedly: the operator retries with backoff,
-- and the process becomes Ready by itself once the engine answers.
local retried = {
  EngineUnavailable = true,
  EngineError = true,
}

if obj.status == nil or obj.status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the ProcOS operator to reconcile the process"
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the ProcOS operator to reconcile generation " .. obj.metadata.generation
  return hs
end

local ready = condition("Ready")
if ready == nil or ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = "Waiting for the ProcOS operator to report readiness"
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  -- Deployed, but no Ready WorkerPool serves some job types: still Healthy (the pools may come
  -- later, or live outside the cluster), with the operator's words about it.
  local workers = condition("WorkersAvailable")
  if workers ~= nil and workers.status == "False" then
    hs.message = ready.message .. "; " .. workers.message
  end
  return hs
end

if retried[ready.reason] then
  hs.status = "Progressing"
  hs.message = ready.reason .. ": " .. ready.message
  return hs
end

-- Invalid BPMN, a policy or ConfigMap problem, refused credentials, a start the engine refused,
-- a deletion the engine blocks: nothing changes until someone acts.
hs.status = "Degraded"
hs.message = ready.reason .. ": " .. ready.message
return hs
