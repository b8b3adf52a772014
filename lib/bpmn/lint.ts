// Lints a BPMN document with bpmnlint: Camunda's own compatibility rules for the Camunda 8
// version the model targets (bpmnlint-plugin-camunda-compat, the rules Camunda Modeler shows),
// plus the bpmnlint rules that catch Zeebe modelling mistakes. compileBpmn says whether we can
// run a model; lintBpmn says whether Camunda's tools agree and whether people can read it.
import { createRequire } from 'node:module';
import { parseXml, type ModdleElement } from './moddle.js';
import { linkSequenceFlows } from './sequence-flow-links.js';
import { XmlLines } from './xml-lines.js';

export interface LintFinding {
  /** bpmnlint's name: `camunda-compat/implementation`, `fake-join`, … */
  rule: string;
  severity: 'error' | 'warning';
  elementId: string;
  /** 1-based line of the element's id attribute. */
  line?: number;
  message: string;
}

/**
 * bpmnlint's own rules, by what breaking them means for a model Zeebe runs. Each rule of
 * bpmnlint's `recommended` config is listed, so a bpmnlint upgrade that adds one changes nothing
 * until it is chosen here.
 */
const BPMNLINT_RULES: Record<string, 'error' | 'warn' | 'off'> = {
  // Zeebe refuses the model, or deploys an element that can never run.
  'start-event-required': 'error',
  'sub-process-blank-start-event': 'error',
  'event-sub-process-typed-start-event': 'error',
  'single-event-definition': 'error',
  'event-based-gateway': 'error',
  'link-event': 'error',
  'ad-hoc-sub-process': 'error',
  'conditional-event': 'error',
  'no-disconnected': 'error',
  // Zeebe starts only at start events: an activity without incoming flow is dead, not a start.
  'no-implicit-start': 'error',
  // Two flows between the same elements run the target twice.
  'no-duplicate-sequence-flows': 'error',

  // Zeebe runs these as written, which is rarely what was meant: an activity with two incoming
  // flows runs once per token (no join), unconditioned flows out of an activity fork in parallel.
  'fake-join': 'warn',
  'no-implicit-split': 'warn',
  'no-gateway-join-fork': 'warn',
  // Legal in Zeebe (a path without an end event just ends), but the reader has to guess.
  'no-implicit-end': 'warn',
  'end-event-required': 'warn',
  'superfluous-gateway': 'warn',
  'superfluous-termination': 'warn',
  // Unused, unnamed or twice-named messages, errors and signals.
  global: 'warn',

  // Readability: names label the diagram, incidents and Operate; without BPMNDI Camunda
  // Modeler opens the file blank (lib/bpmn/layout.ts adds a diagram).
  'label-required': 'warn',
  'superfluous-label': 'warn',
  'no-bpmndi': 'warn',
  'no-overlapping-elements': 'warn',

  // Off: camunda-compat says the same per Camunda version (element-type refuses complex
  // gateways, inclusive-gateway knows which versions join, sequence-flow-condition checks
  // gateway conditions, no-multiple-none-start-events), and twice is noise.
  'no-complex-gateway': 'off',
  'no-inclusive-gateway': 'off',
  'conditional-flows': 'off',
  'single-blank-start-event': 'off',
};

/**
 * The Camunda 8 version a model that names none is checked against: procos-engine answers
 * Topology as gateway 8.8.0 (engine/server/gateway-service.ts) and the clients we test with are
 * @camunda8/sdk 8.8, so 8.8 is what such a model runs on. Camunda Modeler instead lints nothing
 * without modeler:executionPlatform; a file written by hand would get no checks at all.
 */
const DEFAULT_VERSION: Version = [8, 8];
const CAMUNDA_8 = 'Camunda Cloud';
const CHECKED_AS_DEFAULT = `checked as ${CAMUNDA_8} ${DEFAULT_VERSION.join('.')}`;
const MODELER_NS = 'http://camunda.org/schema/modeler/1.0';
const COMPAT_PLUGIN = 'bpmnlint-plugin-camunda-compat';

/**
 * Lints `xml` against camunda-compat's rules for the Camunda 8 version given by
 * `opts.executionPlatformVersion`, else the definitions' `modeler:executionPlatformVersion`,
 * else 8.8. Rejects XML that does not parse: compileBpmn reports why, with the line.
 */
export async function lintBpmn(xml: string, opts: { executionPlatformVersion?: string } = {}): Promise<LintFinding[]> {
  const { rootElement: definitions } = await parseXml(xml);
  linkSequenceFlows(definitions);
  const target = lintTarget(definitions, opts.executionPlatformVersion);
  const configName = compatConfigFor(target.version);
  const reports = await newLinter().lint(definitions, {
    extends: `plugin:${COMPAT_PLUGIN}/${configName}`,
    rules: BPMNLINT_RULES,
  });
  const lines = new XmlLines(xml);
  const findings = [...target.findings];
  for (const [rule, ruleReports] of Object.entries(reports)) {
    for (const report of ruleReports) findings.push(findingOf(rule, report, definitions.id ?? ''));
  }
  return findings
    .map((f) => ({ ...f, line: f.line ?? lines.lineOfId(f.elementId) }))
    .sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || a.rule.localeCompare(b.rule));
}

interface LintReport {
  id?: string;
  message: string;
  category: 'error' | 'warn' | 'info' | 'rule-error';
}

function findingOf(rule: string, report: LintReport, definitionsId: string): LintFinding {
  return {
    rule,
    severity: report.category === 'error' || report.category === 'rule-error' ? 'error' : 'warning',
    elementId: report.id ?? definitionsId,
    message: report.category === 'rule-error' ? `the rule failed: ${report.message}` : report.message,
  };
}

interface LintTarget {
  version: Version;
  findings: LintFinding[];
}

type Version = [major: number, minor: number];

/** Which Camunda 8 version to check against, and what is wrong with the definitions' claim. */
function lintTarget(definitions: ModdleElement, requested: string | undefined): LintTarget {
  if (requested !== undefined) {
    const version = parseVersion(requested);
    if (!version) throw new RangeError(`'${requested}' is not a Camunda version (8.8, 8.6.2, …)`);
    return { version, findings: [] };
  }
  const platform = modelerAttribute(definitions, 'executionPlatform');
  const claimed = modelerAttribute(definitions, 'executionPlatformVersion');
  const platformFinding = (message: string): LintTarget => ({
    version: DEFAULT_VERSION,
    findings: [{ rule: 'execution-platform', severity: 'warning', elementId: definitions.id ?? '', message }],
  });
  if (platform !== undefined && platform !== CAMUNDA_8) {
    return platformFinding(
      `modeler:executionPlatform is '${platform}', but ProcOS runs Camunda 8 models ('${CAMUNDA_8}'), and Camunda Modeler edits the file as the platform it names (${CHECKED_AS_DEFAULT})`,
    );
  }
  if (claimed === undefined) return { version: DEFAULT_VERSION, findings: [] };
  const version = parseVersion(claimed);
  if (!version) {
    return platformFinding(`modeler:executionPlatformVersion '${claimed}' is not a version (${CHECKED_AS_DEFAULT})`);
  }
  return { version, findings: [] };
}

function parseVersion(text: string): Version | undefined {
  const m = /^(\d+)\.(\d+)(?:\.\d+)?(?:-[\w.]+)?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Modeler's attributes on bpmn:definitions; our moddle does not load modeler-moddle, so they sit in $attrs. */
function modelerAttribute(definitions: ModdleElement, name: string): string | undefined {
  const attrs = definitions.$attrs;
  if (typeof attrs !== 'object' || attrs === null) return undefined;
  const byName = attrs as Record<string, unknown>;
  for (const [key, uri] of Object.entries(byName)) {
    if (!key.startsWith('xmlns:') || uri !== MODELER_NS) continue;
    const value = byName[`${key.slice('xmlns:'.length)}:${name}`];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * camunda-compat's config for the newest Camunda 8 version not newer than `version` (a model
 * for 8.11 is checked as 8.10 until the plugin knows 8.11), or its oldest for older versions.
 */
function compatConfigFor([major, minor]: Version): string {
  const known = Object.keys(loadLinting().compatConfigs)
    .map((name) => ({ name, m: /^camunda-cloud-(\d+)-(\d+)$/.exec(name) }))
    .flatMap(({ name, m }) => (m ? [{ name, major: Number(m[1]), minor: Number(m[2]) }] : []))
    .sort((a, b) => a.major - b.major || a.minor - b.minor);
  const fitting = known.filter((c) => c.major < major || (c.major === major && c.minor <= minor));
  const config = fitting.at(-1) ?? known[0];
  if (!config) throw new Error(`${COMPAT_PLUGIN} has no camunda-cloud configs`);
  return config.name;
}

interface LintConfig {
  extends: string;
  rules: Record<string, string>;
}

interface BpmnLinter {
  lint(definitions: ModdleElement, config: LintConfig): Promise<Record<string, LintReport[]>>;
}

interface Linting {
  Linter: new (options: { resolver: object }) => BpmnLinter;
  NodeResolver: new (options: { require: NodeJS.Require }) => object;
  compatConfigs: Record<string, unknown>;
}

const require = createRequire(import.meta.url);
let linting: Linting | undefined;

/**
 * bpmnlint and camunda-compat (with its FEEL parser) load on first use: the engine and the
 * operator import lib/bpmn but never lint.
 */
function loadLinting(): Linting {
  linting ??= {
    Linter: (require('bpmnlint') as Pick<Linting, 'Linter'>).Linter,
    NodeResolver: require('bpmnlint/lib/resolver/node-resolver') as Linting['NodeResolver'],
    compatConfigs: (require(COMPAT_PLUGIN) as { configs: Record<string, unknown> }).configs,
  };
  return linting;
}

/*
 * A Linter creates each rule once and keeps it, and rules keep state between runs
 * (no-duplicate-sequence-flows remembers every flow it saw): one Linter per lint. Its resolver
 * loads rules and configs from our own node_modules; bpmnlint's default resolves from
 * process.cwd().
 */
function newLinter(): BpmnLinter {
  const { Linter, NodeResolver } = loadLinting();
  return new Linter({ resolver: new NodeResolver({ require }) });
}
