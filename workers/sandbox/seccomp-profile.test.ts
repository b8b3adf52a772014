// The shipped Localhost profile (make seccomp-profile): containerd's default plus exactly what
// bubblewrap needs; the SPO SeccompProfile carries the same profile. Whether it works is the
// real-node e2e's part (e2e/real-pods.e2e.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, 'seccomp');
const read = (name: string): unknown => JSON.parse(readFileSync(join(dir, name), 'utf8'));

interface Profile {
  defaultAction: string;
  syscalls: {
    names: string[];
    action: string;
    args?: { index: number; value: number; valueTwo?: number; op: string }[];
  }[];
}

describe('the script sandbox seccomp profile', () => {
  const profile = read('procos-bwrap.json') as Profile;

  it('denies by default, and allows namespace creation only together with a user namespace', () => {
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    const CLONE_NEWUSER = 0x10000000;
    expect(profile.syscalls).toContainEqual({
      names: ['clone', 'unshare'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: CLONE_NEWUSER, valueTwo: CLONE_NEWUSER, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    expect(profile.syscalls).toContainEqual({ names: ['mount', 'umount2', 'pivot_root'], action: 'SCMP_ACT_ALLOW' });
    // Nothing else of the CAP_SYS_ADMIN set comes along (bpf, setns, perf_event_open …).
    const allowed = profile.syscalls.filter((s) => s.action === 'SCMP_ACT_ALLOW').flatMap((s) => s.names);
    for (const name of ['bpf', 'setns', 'perf_event_open', 'fsopen', 'open_tree', 'reboot'])
      expect(allowed).not.toContain(name);
  });

  it('the Security Profiles Operator manifest holds the same profile', () => {
    expect(read('procos-bwrap.seccompprofile.json')).toEqual({
      apiVersion: 'security-profiles-operator.x-k8s.io/v1beta1',
      kind: 'SeccompProfile',
      metadata: { name: 'procos-bwrap', namespace: 'procos-system' },
      spec: profile,
    });
  });
});
