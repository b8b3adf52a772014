-- Argo CD health of a ProcOS SandboxPolicy (procos.io/v1alpha1), read from the status the ProcOS
-- operator writes (operator/controllers/policy). Runs without Lua's open libraries, as argocd-cm
-- customizations do. The mapping and why: gitops/README.md.
local hs = {}

if obj.status == nil or obj.status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the ProcOS operator to reconcile the policy"
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the ProcOS operator to reconcile generation " .. obj.metadata.generation
  return hs
end

local ready = nil
if obj.status.conditions ~= nil then
  for _, c in ipairs(obj.status.conditions) do
    if c.type == "Ready" then
      ready = c
    end
  end
end

if ready == nil or ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = "Waiting for the ProcOS operator to report readiness"
elseif ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
else
  -- InvalidSandboxPolicy: a glob the operator cannot use; its pools and processes are blocked.
  hs.status = "Degraded"
  hs.message = ready.reason .. ": " .. ready.message
end
return hs
