// Which condition types and reasons the ProcOS controllers write, read from their source with the
// TypeScript compiler (not a hand list): every object literal with `type`, `status` and `reason`
// properties in operator/controllers/<kind>/ is a condition, and its type and reason are the
// string literal types the checker gives those expressions. A plain `string` is traced to the
// arguments of the calls of the function whose parameter it is. Anything else fails the scan
// rather than being missed. The Argo CD fixtures must cover every reason found (e2e/argocd.e2e.test.ts).
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export const CONTROLLER_DIRS = {
  ProcOSProcess: 'operator/controllers/process',
  WorkerPool: 'operator/controllers/pool',
  SandboxPolicy: 'operator/controllers/policy',
} as const;
export type ProcosKind = keyof typeof CONTROLLER_DIRS;

/** kind → condition type → reasons. */
export type ConditionReasons = Record<ProcosKind, Map<string, Set<string>>>;

const sources = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f));

export function conditionReasonsInCode(root: string): ConditionReasons {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('cannot read tsconfig.json');
  const files = Object.values(CONTROLLER_DIRS).flatMap((d) => sources(join(root, d)));
  const program = ts.createProgram(files, config.options);
  const checker = program.getTypeChecker();
  const controllerFiles = files.map((f) => program.getSourceFile(f)).filter((f): f is ts.SourceFile => !!f);
  const where = (node: ts.Node): string => {
    const file = node.getSourceFile();
    const line = file.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    return `${relative(root, file.fileName)}:${line} (${node.getText()})`;
  };

  /** Every call expression of the controllers, found once. */
  const calls: ts.CallExpression[] = [];
  const collect = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) calls.push(node);
    ts.forEachChild(node, collect);
  };
  controllerFiles.forEach(collect);

  const literalsOfType = (type: ts.Type): string[] | undefined => {
    const parts = type.isUnion() ? type.types : [type];
    const out: string[] = [];
    for (const t of parts) {
      if (!t.isStringLiteral()) return undefined;
      out.push(t.value);
    }
    return out;
  };

  /** A symbol as declared: an import of it names the same function as its declaration. */
  const resolved = (symbol: ts.Symbol | undefined): ts.Symbol | undefined =>
    symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;

  /** The function a parameter belongs to, as the symbol its callers name. */
  const calleeSymbol = (fn: ts.SignatureDeclaration): ts.Symbol | undefined => {
    const named = ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn) ? fn.name : undefined;
    if (named) return checker.getSymbolAtLocation(named);
    const holder = fn.parent;
    if (ts.isVariableDeclaration(holder)) return checker.getSymbolAtLocation(holder.name);
    return undefined;
  };

  const literalsOf = (expr: ts.Expression, symbol?: ts.Symbol): string[] => {
    const direct = literalsOfType(checker.getTypeAtLocation(expr));
    if (direct) return direct;
    const declaration = (symbol ?? checker.getSymbolAtLocation(expr))?.valueDeclaration;
    if (declaration && ts.isParameter(declaration) && ts.isFunctionLike(declaration.parent)) {
      const fn = declaration.parent;
      const index = fn.parameters.indexOf(declaration);
      const target = calleeSymbol(fn);
      const sites = calls.filter((c) => target && resolved(checker.getSymbolAtLocation(c.expression)) === target);
      if (!sites.length) throw new Error(`no call passes the parameter of ${where(expr)}`);
      return sites.flatMap((c) => {
        const arg = c.arguments[index];
        if (!arg) throw new Error(`${where(c)} passes no argument ${index}`);
        return literalsOf(arg);
      });
    }
    throw new Error(`cannot tell which strings ${where(expr)} can be`);
  };

  const propertyValues = (obj: ts.ObjectLiteralExpression, name: string): string[] | undefined => {
    for (const p of obj.properties) {
      if (!p.name || !ts.isIdentifier(p.name) || p.name.text !== name) continue;
      if (ts.isPropertyAssignment(p)) return literalsOf(p.initializer);
      if (ts.isShorthandPropertyAssignment(p)) return literalsOf(p.name, checker.getShorthandAssignmentValueSymbol(p));
    }
    return undefined;
  };

  const found = Object.fromEntries(
    Object.keys(CONTROLLER_DIRS).map((k) => [k, new Map<string, Set<string>>()]),
  ) as ConditionReasons;
  for (const [kind, dir] of Object.entries(CONTROLLER_DIRS) as [ProcosKind, string][]) {
    const visit = (node: ts.Node): void => {
      if (ts.isObjectLiteralExpression(node)) {
        const names = new Set(node.properties.map((p) => (p.name && ts.isIdentifier(p.name) ? p.name.text : '')));
        if (names.has('type') && names.has('status') && names.has('reason')) {
          const types = propertyValues(node, 'type') ?? [];
          const reasons = propertyValues(node, 'reason') ?? [];
          for (const t of types) {
            const set = found[kind].get(t) ?? new Set<string>();
            reasons.forEach((r) => set.add(r));
            found[kind].set(t, set);
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    controllerFiles.filter((f) => relative(root, f.fileName).startsWith(`${dir}/`)).forEach(visit);
  }
  return found;
}
