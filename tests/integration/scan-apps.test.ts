import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.js';

/**
 * One small application per trap of issue 17, under tests/fixtures/scan/<case>/, run through the real CLI. Each
 * case.json says what `pgsnap scan` must answer: correct apps exit 0 with no finding (no false red), broken ones
 * exit 1 with exactly the findings listed (no false green), bad schema sources exit 2 with one clear line.
 */
interface Run {
  readonly args: string[];
  readonly exit: number;
  readonly findings?: string[];
  readonly stderr?: string;
}
interface Case {
  readonly about: string;
  readonly runs: Run[];
  /** files written at run time, each using a table no schema defines (the repository's .gitignore would drop them) */
  readonly vendored?: string[];
}

const root = path.resolve(import.meta.dirname, '..', 'fixtures', 'scan');
const cases = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'case.json'))).sort();
const scratch: string[] = [];

afterAll(() => {
  for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
});

function prepare(name: string, c: Case): string {
  if (!c.vendored) return path.join(root, name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pgsnap-${name}-`));
  scratch.push(dir);
  fs.cpSync(path.join(root, name), dir, { recursive: true });
  for (const f of c.vendored) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    const body = f.endsWith('.php') ? '<?php $db->query("SELECT * FROM vendored_table WHERE id = ?");\n' : "supabase.from('vendored_table');\n";
    fs.writeFileSync(path.join(dir, f), body);
  }
  return dir;
}

describe('fixture apps', () => {
  it('has a case for every trap', () => {
    expect(cases).toEqual(['builders-app', 'ddl-in-code', 'external-app', 'pg-dump-app', 'prisma-app', 'raw-sql-app', 'root-schema', 'supabase-app', 'vendored-app']);
  });

  for (const name of cases) {
    const c = JSON.parse(fs.readFileSync(path.join(root, name, 'case.json'), 'utf8')) as Case;
    it(`${name}: ${c.about}`, async () => {
      const cwd = prepare(name, c);
      for (const run of c.runs) {
        const json = run.exit === 2 ? [] : ['--json'];
        const r = await cliInProcess([...run.args, ...json], { cwd });
        expect({ args: run.args, code: r.code }).toEqual({ args: run.args, code: run.exit });
        if (run.stderr) {
          expect(r.stderr).toMatch(new RegExp(run.stderr));
          expect(r.stderr.trim().split('\n').filter((l) => !/^\s*(hint|→)/i.test(l)).length).toBeLessThanOrEqual(2);
          continue;
        }
        const report = JSON.parse(r.stdout) as { findings: { kind: string; object: string; references?: { file: string }[] }[] };
        expect(report.findings.map((f) => `${f.kind} ${f.object}`).sort()).toEqual([...(run.findings ?? [])].sort());
        for (const f of report.findings) for (const ref of f.references ?? []) expect(path.isAbsolute(ref.file)).toBe(false);
      }
    });
  }
});
