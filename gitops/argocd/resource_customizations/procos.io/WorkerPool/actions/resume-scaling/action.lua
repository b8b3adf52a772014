-- The backlog scaler sizes the pool again.
if obj.metadata.annotations ~= nil then
  obj.metadata.annotations["procos.io/scaling-paused"] = nil
end
return obj
