// The Dockerfile read as the instructions a test follows in its place (Docker cannot run here):
// its stages, each with its working directory, RUN commands and COPY lines, and of the last stage
// the ENV, USER, EXPOSE and CMD the image starts with. An instruction of the last stage the test
// cannot follow is refused by name, so the test never passes over part of the image.
import { readFileSync } from 'node:fs';

interface Copy {
  /** The stage copied from (`--from`), or undefined for the build context. */
  from?: string;
  /** `--chown` as written (`1000:1000`), when given. */
  chown?: string;
  sources: string[];
  destination: string;
}

interface Stage {
  name?: string;
  image: string;
  workdir: string;
  runs: string[];
  copies: Copy[];
}

interface Image {
  stages: Stage[];
  /** The last stage, the image itself. */
  final: Stage;
  env: Record<string, string>;
  user?: string;
  exposed: number[];
  cmd: string[];
}

/** The final stage takes only these; anything else there (RUN, ENTRYPOINT, VOLUME …) is refused. */
const FINAL_STAGE = new Set(['FROM', 'WORKDIR', 'COPY', 'ENV', 'USER', 'EXPOSE', 'CMD', 'LABEL']);

/** Logical lines: comments dropped, continuations (`\` at the end) joined. */
function instructions(text: string): { keyword: string; rest: string }[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push(current + line);
    current = '';
  }
  return lines.map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), rest: rest.join(' ') };
  });
}

function parseEnv(rest: string, into: Record<string, string>): void {
  for (const pair of rest.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S*)/g) ?? []) {
    const at = pair.indexOf('=');
    into[pair.slice(0, at)] = pair.slice(at + 1).replace(/^"(.*)"$/, '$1');
  }
}

function parseCopy(rest: string): Copy {
  const words = rest.split(/\s+/);
  const copy: Copy = { sources: [], destination: '' };
  const paths: string[] = [];
  for (const word of words) {
    if (word.startsWith('--from=')) copy.from = word.slice('--from='.length);
    else if (word.startsWith('--chown=')) copy.chown = word.slice('--chown='.length);
    else if (word.startsWith('--')) throw new Error(`the test cannot follow COPY ${word}`);
    else paths.push(word);
  }
  copy.destination = paths.pop() ?? '';
  copy.sources = paths;
  return copy;
}

export function readDockerfile(file: string): Image {
  const stages: Stage[] = [];
  // ENV, USER, EXPOSE and CMD of a build stage do not reach the image: each FROM starts them anew.
  let env: Record<string, string> = {};
  let user: string | undefined;
  let exposed: number[] = [];
  let cmd: string[] | undefined;
  for (const { keyword, rest } of instructions(readFileSync(file, 'utf8'))) {
    if (keyword === 'FROM') {
      const [image, as, name] = rest.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, workdir: '/', runs: [], copies: [] });
      env = {};
      user = undefined;
      exposed = [];
      cmd = undefined;
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${keyword} before FROM`);
    if (keyword === 'WORKDIR') stage.workdir = rest.startsWith('/') ? rest : `${stage.workdir}/${rest}`;
    else if (keyword === 'RUN') stage.runs.push(rest);
    else if (keyword === 'COPY') stage.copies.push(parseCopy(rest));
    else if (keyword === 'ENV') parseEnv(rest, env);
    else if (keyword === 'USER') user = rest;
    else if (keyword === 'EXPOSE') exposed.push(...rest.split(/\s+/).map((port) => Number.parseInt(port, 10)));
    else if (keyword === 'CMD') cmd = JSON.parse(rest) as string[];
    else if (keyword !== 'LABEL' && keyword !== 'ARG') throw new Error(`the test cannot follow ${keyword}`);
  }
  const final = stages.at(-1);
  if (!final) throw new Error('no FROM');
  if (!cmd) throw new Error('no CMD in exec form');
  return { stages, final, env, user, exposed, cmd };
}

/** The instructions of the image's own stage that the test cannot follow (none, or it says which). */
export function unfollowable(file: string): string[] {
  const all = instructions(readFileSync(file, 'utf8'));
  const lastFrom = all.map((instruction) => instruction.keyword).lastIndexOf('FROM');
  return all
    .slice(lastFrom)
    .filter((instruction) => !FINAL_STAGE.has(instruction.keyword))
    .map((instruction) => `${instruction.keyword} ${instruction.rest}`);
}
