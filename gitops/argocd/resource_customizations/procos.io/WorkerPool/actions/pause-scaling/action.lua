-- The backlog scaler keeps the pool at its current size until scaling is resumed.
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["procos.io/scaling-paused"] = "true"
return obj
