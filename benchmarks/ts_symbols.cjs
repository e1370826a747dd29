// Independent labeller for benchmarks/symbols_vs_typescript.py: the TypeScript compiler's own parser
// says, for each line of a JS/TS file, the innermost named definition, qualified by its parents.
// Usage: node ts_symbols.cjs FILE...   (prints JSON {file: {line: symbol}})
const ts = require(process.env.TS_MODULE || "typescript");
const fs = require("fs");

function nameOf(node) {
  const n = node.name;
  if (!n) return null;
  if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n)) return n.text;
  return n.getText();
}
const FUNC = (e) => e && (ts.isArrowFunction(e) || ts.isFunctionExpression(e));
function defName(node) {
  if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isMethodDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node) || ts.isInterfaceDeclaration(node) ||
      ts.isEnumDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isModuleDeclaration(node) ||
      ts.isMethodSignature(node)) return nameOf(node);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  if (ts.isVariableDeclaration(node) && node.initializer && (FUNC(node.initializer) || ts.isClassExpression(node.initializer))) return nameOf(node);
  if ((ts.isPropertyDeclaration(node) || ts.isPropertyAssignment(node)) && FUNC(node.initializer)) return nameOf(node);
  if (ts.isFunctionExpression(node) && node.name) {
    const p = node.parent;
    if (!(ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p))) return node.name.text;
  }
  return null;
}
const out = {};
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : file.endsWith(".ts") ? ts.ScriptKind.TS :
    file.endsWith(".jsx") ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const lines = {};
  const visit = (node, prefix) => {
    const name = defName(node);
    let next = prefix;
    if (name) {
      next = prefix ? prefix + "." + name : name;
      const a = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      const b = sf.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      for (let l = a; l <= b; l++) lines[l] = next;
    }
    ts.forEachChild(node, (c) => visit(c, next));
  };
  visit(sf, "");
  out[file] = lines;
}
process.stdout.write(JSON.stringify(out));
