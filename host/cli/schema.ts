/** `presence-sandbox schema`: the config's JSON Schema, for editors (docs/config.md says how to use it). */
import { configJsonSchema } from '../config/json-schema.js';
import type { Command } from './usage.js';

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the config\'s JSON Schema (for editors; docs/config.schema.json is the same)',
  usage: `Usage: presence-sandbox schema

Prints the JSON Schema of the YAML config, generated from the same definition that validates it.
Editors with the YAML language server use it with a first line in the config:
  # yaml-language-server: $schema=./node_modules/presence-sandbox/docs/config.schema.json

Options:
  -h, --help      show this help`,
  options: {},
  async run() {
    process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
  },
};
