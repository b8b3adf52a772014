// Every ProcOS binary needs Node.js >= 22.19 (better-sqlite3 13 and undici 8 crash on older
// ones, the engine with a segfault): say so plainly, and how to get it, before loading anything.
import process from 'node:process';

const [major, minor] = process.versions.node.split('.').map(Number);

export function requireSupportedNode(name) {
  if (major > 22 || (major === 22 && minor >= 19)) return;
  process.stderr.write(
    `${name}: needs Node.js 22.19 or newer; this is ${process.version} (${process.execPath}).\n` +
      'In the ProcOS checkout, `make node` installs the pinned Node.js 22 LTS into ~/.cache/procos, and\n' +
      '  eval "$(make -s env)"\n' +
      'puts it first on PATH for this shell.\n',
  );
  process.exit(1);
}
