// Addresses of the real node inside the network namespace the harness creates. They exist only
// in that namespace, so any private range would do; these are unlikely to confuse a reader.
export const NODE_IP = '10.201.0.1';
/** The bridge that carries the node's address (this kernel has no dummy interface driver). */
export const NODE_BRIDGE = { name: 'node0', cidr: `${NODE_IP}/24` };
/** Pods get addresses from here on the CNI bridge cni0; its gateway 10.202.0.1 is the node. */
export const POD_SUBNET = '10.202.0.0/24';
/** Services' cluster IPs (the apiserver's --service-cluster-ip-range); kube-proxy routes them. */
export const SERVICE_SUBNET = '10.0.0.0/24';
