// The reference rendering: @huggingface/jinja renders TEMPLATE_FILE with the JSON object in
// CONTEXT_FILE and writes exactly the result (an error: its message on stderr, exit 1).
//
//   node render_ref.mjs NODE_MODULES TEMPLATE_FILE CONTEXT_FILE
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [modules, templateFile, contextFile] = process.argv.slice(2);
const { Template } = await import(pathToFileURL(`${modules}/@huggingface/jinja/dist/index.js`).href);
try {
  process.stdout.write(new Template(readFileSync(templateFile, "utf8")).render(JSON.parse(readFileSync(contextFile, "utf8"))));
} catch (e) {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
}
