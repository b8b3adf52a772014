// SandboxPolicy.allowedTaskTypes are globs over Zeebe job types: `*` any run of characters,
// `?` one character, `[a-z]` a class. Everything else matches itself.

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Job types that no glob allows. */
export function disallowedTaskTypes(taskTypes: string[], allowed: string[]): string[] {
  const patterns = allowed.map(globToRegExp);
  return taskTypes.filter((t) => !patterns.some((p) => p.test(t)));
}
