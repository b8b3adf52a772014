// Debian packages installed on this machine, read from dpkg's database (/var/lib/dpkg): their
// Depends/Pre-Depends closure among installed packages, the files each installed, diversions and
// alternatives. The images take their shared libraries, python3, bwrap and scilab from here, so
// they run the same builds the machine's tests run.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface DebianPackage {
  name: string;
  arch: string;
  version: string;
  /** The package's stanza in dpkg's status file, as is. */
  stanza: string;
  /** Pre-Depends then Depends: each entry a list of alternatives (`a | b`). */
  depends: string[][];
  provides: string[];
}

/** A dpkg alternative whose link is in use: `link` → /etc/alternatives/`name` → `target`. */
export interface Alternative {
  name: string;
  link: string;
  target: string;
}

/** Thrown when packages a layer needs are not installed. */
export class MissingPackagesError extends Error {
  constructor(readonly packages: string[]) {
    super(
      `Debian packages not installed: ${packages.join(', ')}; install them with ` +
        `apt-get install --no-install-recommends ${packages.join(' ')} ` +
        '(`make host-tools` installs bubblewrap, scilab-cli, runc and containernetworking-plugins)',
    );
    this.name = 'MissingPackagesError';
  }
}

function nativeArch(): string {
  const names: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'armhf',
    ppc64: 'ppc64el',
    s390x: 's390x',
  };
  return names[process.arch] ?? process.arch;
}

/** `libc6 (>= 2.34), foo:any | bar` → [['libc6'], ['foo', 'bar']]. */
export function parseDependsField(value: string | undefined): string[][] {
  if (!value?.trim()) return [];
  return value.split(',').map((group) =>
    group
      .split('|')
      .map((alt) => (alt.trim().split(/[\s(]/)[0] ?? '').replace(/:(any|native|[a-z0-9]+)$/, ''))
      .filter(Boolean),
  );
}

function parseStanza(stanza: string): Map<string, string> {
  const fields = new Map<string, string>();
  let key: string | undefined;
  for (const line of stanza.split('\n')) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (key) fields.set(key, `${fields.get(key) ?? ''}\n${line}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    key = line.slice(0, colon);
    fields.set(key, line.slice(colon + 1).trim());
  }
  return fields;
}

export class DpkgDatabase {
  readonly packages = new Map<string, DebianPackage>();
  private readonly providers = new Map<string, string[]>();
  private readonly arch = nativeArch();

  constructor(readonly admindir = '/var/lib/dpkg') {
    const status = join(admindir, 'status');
    if (!existsSync(status)) throw new Error(`${status} not found: building the images needs a Debian machine (dpkg)`);
    for (const stanza of readFileSync(status, 'utf8').split(/\n\n+/)) {
      const f = parseStanza(stanza);
      const name = f.get('Package');
      if (!name || !/(^|\s)installed$/.test(f.get('Status') ?? '')) continue;
      const arch = f.get('Architecture') ?? 'all';
      // Of a package installed for two architectures (multiarch), the machine's own.
      if (this.packages.has(name) && arch !== this.arch) continue;
      const pkg: DebianPackage = {
        name,
        arch,
        version: f.get('Version') ?? '',
        stanza: stanza.trim(),
        depends: [...parseDependsField(f.get('Pre-Depends')), ...parseDependsField(f.get('Depends'))],
        provides: parseDependsField(f.get('Provides')).flat(),
      };
      this.packages.set(name, pkg);
    }
    for (const pkg of this.packages.values())
      for (const virtual of pkg.provides)
        this.providers.set(virtual, [...(this.providers.get(virtual) ?? []), pkg.name]);
  }

  get(name: string): DebianPackage | undefined {
    return this.packages.get(name);
  }

  /**
   * The roots and every package they depend on, recursively, among installed packages. For
   * `a | b` the first alternative installed (or provided by an installed package) is taken; a
   * group naming an excluded package is left out with it. Packages in `have` (already in a layer
   * below) are not returned, nor followed. Throws MissingPackagesError for roots not installed.
   */
  closure(roots: string[], options: { exclude?: Record<string, string>; have?: ReadonlySet<string> } = {}): string[] {
    const exclude = options.exclude ?? {};
    const missing = roots.filter((r) => !this.packages.has(r));
    if (missing.length) throw new MissingPackagesError(missing);
    const seen = new Set<string>();
    const visit = (name: string, via: string[]): void => {
      if (seen.has(name) || options.have?.has(name) || name in exclude) return;
      seen.add(name);
      const pkg = this.packages.get(name);
      if (!pkg) throw new MissingPackagesError([name]);
      for (const group of pkg.depends) {
        const chosen = this.choose(group, exclude);
        if (chosen === null) continue;
        if (chosen === undefined)
          throw new Error(
            `${[...via, name].join(' → ')} depends on ${group.join(' | ')}, which is not installed: the dpkg database is inconsistent (apt-get -f install)`,
          );
        visit(chosen, [...via, name]);
      }
    };
    for (const root of roots) visit(root, []);
    return [...seen].sort();
  }

  /** The installed package for one dependency; null when it is excluded, undefined when none is installed. */
  private choose(group: string[], exclude: Record<string, string>): string | null | undefined {
    if (group.some((alt) => alt in exclude)) return null;
    for (const alt of group) {
      if (this.packages.has(alt)) return alt;
      const providers = this.providers.get(alt) ?? [];
      const provider = providers.find((p) => !(p in exclude));
      if (provider) return provider;
      // A virtual package (awk) whose installed providers (mawk) are all excluded.
      if (providers.length) return null;
    }
    return undefined;
  }

  /** The paths the package installed (dpkg -L), as dpkg recorded them. */
  files(name: string): string[] {
    const pkg = this.packages.get(name);
    if (!pkg) throw new MissingPackagesError([name]);
    const info = join(this.admindir, 'info');
    const list = [join(info, `${name}:${pkg.arch}.list`), join(info, `${name}.list`)].find((f) => existsSync(f));
    if (!list) throw new Error(`dpkg lists no files for ${name} (no ${name}.list in ${info})`);
    return readFileSync(list, 'utf8')
      .split('\n')
      .filter((p) => p && p !== '/.');
  }

  /** Diverted paths: path → where the file of every package but `by` really is. */
  diversions(): Map<string, { to: string; by: string }> {
    const file = join(this.admindir, 'diversions');
    const out = new Map<string, { to: string; by: string }>();
    if (!existsSync(file)) return out;
    const lines = readFileSync(file, 'utf8').split('\n');
    // Format: three lines per diversion: path, where it is diverted to, the diverting package.
    for (let i = 0; i + 2 < lines.length; i += 3) {
      const [path = '', to = '', by = ''] = lines.slice(i, i + 3);
      out.set(path, { to, by });
    }
    return out;
  }

  /**
   * The alternatives in use: their links and targets (maintainer scripts make these links, so no
   * package lists them; Debian finds libblas and liblapack through them).
   */
  alternatives(etcAlternatives = '/etc/alternatives'): Alternative[] {
    const dir = join(this.admindir, 'alternatives');
    if (!existsSync(dir)) return [];
    const out: Alternative[] = [];
    for (const master of readdirSync(dir)) {
      // Format: mode, master link, then (slave name, slave link) pairs up to an empty line.
      const lines = readFileSync(join(dir, master), 'utf8').split('\n');
      const links: [string, string][] = [[master, lines[1] ?? '']];
      for (let i = 2; i + 1 < lines.length && lines[i] !== ''; i += 2) links.push([lines[i] ?? '', lines[i + 1] ?? '']);
      for (const [name, link] of links) {
        try {
          out.push({ name, link, target: readlinkSync(join(etcAlternatives, name)) });
        } catch {
          // a slave the selected alternative does not provide
        }
      }
    }
    return out;
  }
}
