-- Argo CD health of a ProcOS WorkerPool (procos.io/v1alpha1), read from the status the ProcOS
-- operator writes (operator/controllers/pool). Runs without Lua's open libraries, as argocd-cm
-- customizations do. The mapping and why: gitops/README.md.
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

if obj.status == nil or obj.status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the ProcOS operator to reconcile the pool"
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the ProcOS operator to reconcile generation " .. obj.metadata.generation
  return hs
end

local ready = condition("Ready")
local degraded = condition("Degraded")
local scaling = condition("Scaling")
if ready == nil or ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = "Waiting for the ProcOS operator to report readiness"
  return hs
end

-- The operator's Degraded condition, reason by reason: a blocked pool (policy, handler config,
-- Secret, a name taken) or pods that cannot run are Degraded. Pods no node can take yet are
-- Progressing (capacity may come, as for a Deployment). A backlog the scaler cannot read leaves
-- the workers serving at their current size: not a failure of the pool, said in the message.
local backlogNote = nil
if degraded ~= nil and degraded.status == "True" then
  if degraded.reason == "BacklogUnavailable" then
    backlogNote = degraded.message
  elseif degraded.reason == "Unschedulable" then
    hs.status = "Progressing"
    hs.message = degraded.reason .. ": " .. degraded.message
    return hs
  else
    hs.status = "Degraded"
    hs.message = degraded.reason .. ": " .. degraded.message
    return hs
  end
end

-- Scaling paused on purpose (annotation procos.io/scaling-paused, the pause-scaling action).
if scaling ~= nil and scaling.reason == "Paused" then
  hs.status = "Suspended"
  hs.message = scaling.message
  return hs
end

if ready.status ~= "True" then
  hs.status = "Progressing"
  hs.message = ready.message
  return hs
end

-- Available, or Idle: a pool scaled to zero is Healthy (it scales up when jobs wait, or was set
-- to zero replicas on purpose); Suspended would hold every sync wave after it.
hs.status = "Healthy"
hs.message = ready.message
if backlogNote ~= nil then
  hs.message = ready.message .. "; " .. backlogNote
end
return hs
