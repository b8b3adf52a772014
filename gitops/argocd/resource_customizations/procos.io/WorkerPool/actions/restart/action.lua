-- Rolls every worker pod of the pool: the operator copies this annotation into the pod template
-- of the pool's Deployment (a restart done on the Deployment itself would be undone by the
-- operator's next apply of the template).
local os = require("os")
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["procos.io/restartedAt"] = os.date("!%Y-%m-%dT%H:%M:%SZ")
return obj
