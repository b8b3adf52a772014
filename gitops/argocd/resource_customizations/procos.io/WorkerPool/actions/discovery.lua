-- The resource actions Argo CD offers on a ProcOS WorkerPool. They set or remove annotations the
-- pool controller honours (operator/controllers/pool/pool-annotations.ts); the pool's spec, which
-- lives in Git, is never touched, so running one makes no drift.
local actions = {}
local annotations = obj.metadata.annotations or {}
local paused = annotations["procos.io/scaling-paused"] == "true"
-- With spec.replicas set, the backlog scaler already stands aside: there is nothing to pause.
local fixed = obj.spec ~= nil and obj.spec.replicas ~= nil

actions["restart"] = {
  ["displayName"] = "Restart workers",
  ["iconClass"] = "fa fa-fw fa-redo",
}
actions["pause-scaling"] = {
  ["displayName"] = "Pause backlog scaling",
  ["iconClass"] = "fa fa-fw fa-pause-circle",
  ["disabled"] = paused or fixed,
}
actions["resume-scaling"] = {
  ["displayName"] = "Resume backlog scaling",
  ["iconClass"] = "fa fa-fw fa-play-circle",
  ["disabled"] = annotations["procos.io/scaling-paused"] == nil,
}
return actions
