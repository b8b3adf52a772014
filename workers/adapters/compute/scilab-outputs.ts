// The Scilab side of the result: a JSON writer defined after the user's script has run (so the
// script cannot have replaced it), printing the named outputs on one stdout line after a marker
// of this run. Scilab 6.1's own toJSON writes newlines and tabs raw and NaN as `nan`, which is
// not JSON, so this writer escapes every control character and refuses NaN and Inf by name.
import { RESERVED_PREFIX } from './scilab-inputs.js';

const P = RESERVED_PREFIX;

const WRITER = `
function r = ${P}_jstr(s)
  s = strsubst(s, "\\", "\\\\");
  s = strsubst(s, """", "\\""");
  for k = 1:31
    s = strsubst(s, ascii(k), msprintf("\\\\u%04x", k));
  end
  r = """" + s + """";
endfunction

function r = ${P}_jcell(x, kind, name)
  if kind == "num" then
    r = msprintf("%.17g", x);
  elseif kind == "bool" then
    if x then r = "true"; else r = "false"; end
  else
    r = ${P}_jstr(x);
  end
endfunction

function r = ${P}_jmatrix(x, kind, name)
  if ndims(x) > 2 then
    error(msprintf("output %s: arrays of more than 2 dimensions have no JSON form here", name));
  end
  [m, n] = size(x);
  if m * n == 0 then r = "[]"; return; end
  if m * n == 1 then r = ${P}_jcell(x, kind, name); return; end
  if m == 1 | n == 1 then
    parts = [];
    for k = 1:m * n
      parts($+1) = ${P}_jcell(x(k), kind, name);
    end
    r = "[" + strcat(parts, ",") + "]";
    return;
  end
  rows = [];
  for i = 1:m
    parts = [];
    for j = 1:n
      parts($+1) = ${P}_jcell(x(i, j), kind, name);
    end
    rows($+1) = "[" + strcat(parts, ",") + "]";
  end
  r = "[" + strcat(rows, ",") + "]";
endfunction

function r = ${P}_json(x, name)
  t = typeof(x);
  if or(t == ["int8" "int16" "int32" "int64" "uint8" "uint16" "uint32" "uint64"]) then
    x = double(x); t = "constant";
  end
  if t == "constant" then
    if ~isreal(x) then
      error(msprintf("output %s is complex, which has no JSON form; return real and imaginary parts", name));
    end
    if or(isnan(x)) | or(isinf(x)) then
      error(msprintf("output %s holds NaN or Inf, which JSON cannot carry", name));
    end
    r = ${P}_jmatrix(x, "num", name);
  elseif t == "boolean" then
    r = ${P}_jmatrix(x, "bool", name);
  elseif t == "string" then
    r = ${P}_jmatrix(x, "str", name);
  elseif t == "st" then
    if size(x, "*") <> 1 then
      error(msprintf("output %s is a struct array, which has no JSON form here; return a list of structs", name));
    end
    f = fieldnames(x);
    parts = [];
    for k = 1:size(f, "*")
      parts($+1) = ${P}_jstr(f(k)) + ":" + ${P}_json(x(f(k)), name + "." + f(k));
    end
    r = "{" + strcat(parts, ",") + "}";
  elseif t == "list" then
    parts = [];
    for k = 1:size(x)
      parts($+1) = ${P}_json(x(k), msprintf("%s(%d)", name, k));
    end
    r = "[" + strcat(parts, ",") + "]";
  else
    error(msprintf("output %s has Scilab type %s, which has no JSON form (return numbers, booleans, strings, structs or lists)", name, t));
  end
endfunction
`;

/** Statements that print `marker` and the outputs as one JSON object on one line. */
export function scilabOutputs(outputs: string[], marker: string): string {
  const fields = outputs.map(
    (name) =>
      `if ~exists("${name}") then error("output ${name} is not defined by the script (config.outputs)"); end\n` +
      `${P}_parts($+1) = ${P}_jstr("${name}") + ":" + ${P}_json(${name}, "${name}");`,
  );
  return [
    WRITER,
    `${P}_parts = [];`,
    // The documented way to throw a BPMN error: bpmnError = struct("code", "…", "message", "…").
    'if exists("bpmnError") then',
    `${P}_parts($+1) = ${P}_jstr("bpmnError") + ":" + ${P}_json(bpmnError, "bpmnError");`,
    'else',
    ...fields,
    'end',
    `mprintf("\\n%s%s\\n", "${marker}", "{" + strcat(${P}_parts, ",") + "}");`,
  ].join('\n');
}
