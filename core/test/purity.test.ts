// The import fence of DESIGN.md §1 and STYLE.md §D: core/src imports no Node builtin and nothing outside
// core/, and its code touches no console, process, window, document, clock, timer or Math.random.
// core/tsconfig.json's `"types": []` already stops most of these at compile time; this test also
// catches what would type-check under a config that lets @types/node in (the test config does).
//
// Specifiers are read with the TypeScript parser, not a regex, so `import type`, `export * from`,
// multi-line imports, side-effect imports, `import x = require()`, `import("…")` calls and
// `typeof import("…")` types are all seen, and a commented-out import is not. The extractor is
// itself tested on a synthetic source below, so the fence cannot pass by seeing nothing.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const CORE = fileURLToPath(new URL("..", import.meta.url));
const SRC = join(CORE, "src");

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.isFile() && /\.(c|m)?tsx?$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

interface Specifier { spec: string; line: number; kind: string }

/** Every module specifier in a source text: static, re-export, require-style, dynamic and type imports. */
function moduleSpecifiers(fileName: string, text: string): Specifier[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: Specifier[] = [];
  const add = (node: ts.Node, lit: ts.Expression | undefined, kind: string) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    if (lit && ts.isStringLiteralLike(lit)) out.push({ spec: lit.text, line, kind });
    else out.push({ spec: "<non-literal>", line, kind }); // a computed specifier cannot be checked: fail on it
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier, "import");
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(node, node.moduleSpecifier, "export-from");
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, "import-require");
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], "dynamic-import");
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require") {
      add(node, node.arguments[0], "require");
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      add(node, ts.isLiteralTypeNode(arg) ? arg.literal as ts.Expression : undefined, "import-type");
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** The source with every comment removed (strings, template literals and regex literals kept intact). */
function stripComments(fileName: string, text: string): string {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  return ts.createPrinter({ removeComments: true }).printFile(sf);
}

const BUILTINS = new Set(builtinModules);

/** Why a specifier breaks the fence, or null when it is fine. */
function violation(file: string, spec: string): string | null {
  if (spec === "<non-literal>") return "computed module specifier";
  if (spec.startsWith("node:")) return "node: import";
  if (BUILTINS.has(spec) || BUILTINS.has(spec.split("/")[0])) return "Node builtin";
  if (spec.startsWith("/") || /^[a-zA-Z]:[\\/]/.test(spec) || spec.startsWith("file:")) return "absolute path";
  if (spec.startsWith(".")) {
    const target = resolve(dirname(file), spec);
    const rel = relative(CORE, target);
    if (rel === "" || rel.startsWith("..") || rel.split(sep)[0] !== "src") return `resolves to ${target}, outside core/src`;
    const exists = [target, `${target}.ts`, join(target, "index.ts")].some((p) => {
      try { return statSync(p).isFile(); } catch { return false; }
    });
    if (!exists) return `resolves to nothing (${target}[.ts])`;
  }
  return null;
}

/** Code patterns core must not contain, with comments stripped. */
const FORBIDDEN: [string, RegExp][] = [
  ["console.", /\bconsole\s*\??\./],
  ["process.", /\bprocess\s*\??\./],
  ["window", /\bwindow\b/],
  ["document", /\bdocument\b/],
  ["Math.random", /\bMath\s*\.\s*random\b/],
  ["Date.now", /\bDate\s*\.\s*now\b/],
  ["performance.now", /\bperformance\s*\.\s*now\b/],
  ["setTimeout", /\bsetTimeout\b/],
];

describe("moduleSpecifiers and stripComments (the fence's own parser)", () => {
  const sample = [
    `import type { A } from "./a";`,
    `import {`,
    `  b,`,
    `  type C,`,
    `} from "../b";`,
    `import "side-effect";`,
    `export * from "./star";`,
    `export { d as e } from "node:fs";`,
    `import f = require("path");`,
    `// import { nope } from "commented-out";`,
    `/* export * from "also-commented"; */`,
    `const g = await import("./dyn");`,
    `let h: typeof import("./typed");`,
    `const s = "// not a comment"; console.log(s); /* Math.random() */`,
  ].join("\n");

  it("moduleSpecifiers finds import type, multi-line, side-effect, export * from, import=require, import() and typeof import()", () => {
    const got = moduleSpecifiers("sample.ts", sample).map((s) => `${s.kind} ${s.spec} @${s.line}`);
    expect(got).toEqual([
      "import ./a @1",
      "import ../b @2",
      "import side-effect @6",
      "export-from ./star @7",
      "export-from node:fs @8",
      "import-require path @9",
      "dynamic-import ./dyn @12",
      "import-type ./typed @13",
    ]);
  });

  it("violation flags node:, bare builtins, builtin subpaths and relative paths that leave core/src", () => {
    const file = join(SRC, "cells", "rnn.ts");
    expect(violation(file, "node:fs")).toMatch(/node:/);
    expect(violation(file, "fs")).toMatch(/builtin/);
    expect(violation(file, "fs/promises")).toMatch(/builtin/);
    expect(violation(file, "path")).toMatch(/builtin/);
    expect(violation(file, "../../../cli/src/main")).toMatch(/outside core\/src/);
    expect(violation(file, "../../test/support/oracle")).toMatch(/outside core\/src/);
    expect(violation(file, "/etc/passwd")).toMatch(/absolute/);
    expect(violation(file, "../linalg")).toBeNull();
    expect(violation(file, "zod")).toBeNull();
  });

  it("stripComments keeps strings and code but drops comments, so FORBIDDEN sees console. and not Math.random", () => {
    const code = stripComments("sample.ts", sample);
    expect(code).toContain(`"// not a comment"`);
    expect(code).not.toContain("commented-out");
    expect(FORBIDDEN.filter(([, re]) => re.test(code)).map(([n]) => n)).toEqual(["console."]);
  });
});

describe("core/src purity", () => {
  const files = listTs(SRC);

  it(`scans more than 10 files under core/src (found ${files.length})`, () => {
    expect(files.length).toBeGreaterThan(10);
    expect(files.map((f) => relative(SRC, f))).toEqual(expect.arrayContaining(["index.ts", "sequence.ts", join("cells", "lstm.ts"), join("io", "model-json.ts")]));
  });

  it("every import/export-from specifier in core/src is neither node:, nor a Node builtin, nor a relative path leaving core/", () => {
    const bad: string[] = [];
    let seen = 0;
    for (const f of files) {
      for (const s of moduleSpecifiers(f, readFileSync(f, "utf8"))) {
        seen++;
        const why = violation(f, s.spec);
        if (why) bad.push(`${relative(CORE, f)}:${s.line} ${s.kind} "${s.spec}": ${why}`);
      }
    }
    expect(seen).toBeGreaterThan(files.length); // the parser saw the imports: no vacuous pass
    expect(bad).toEqual([]);
  });

  it("no core/src code (comments stripped) mentions console., process., window, document, Math.random, Date.now, performance.now or setTimeout", () => {
    const bad: string[] = [];
    for (const f of files) {
      const code = stripComments(f, readFileSync(f, "utf8"));
      for (const [name, re] of FORBIDDEN) if (re.test(code)) bad.push(`${relative(CORE, f)}: ${name}`);
    }
    expect(bad).toEqual([]);
  });
});
