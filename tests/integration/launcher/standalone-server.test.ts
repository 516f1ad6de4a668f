// The image, started as Kubernetes starts it (Docker cannot run here). The Dockerfile's build stage
// is done in a copy of the checkout (tests/support/standalone-build.ts, kept between runs while its
// inputs are unchanged); what the image's stage copies goes to a fresh folder, the image's root;
// then the init container's command (deploy/kubernetes/deployment.yaml) and the image's CMD run
// there with the image's ENV, as its USER, with the settings secret.example.yaml describes: NVSentinel's
// database (its schema as NVSentinel leaves it) as a DML-only role, the console's own database as the
// app's role, its owner given to the prepare step only. As that user the kept build cannot be read at
// all, so the server can only have what the image has.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { loadAllYaml } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { applyNvsentinelSchemaState } from '../../fixtures/nvsentinel/schema-states';
import { dmlOnlyRole } from '../../support/dml-role';
import { readDockerfile, unfollowable } from '../../support/dockerfile';
import { freePort } from '../../support/free-port';
import { standaloneBuild, type StandaloneBuild } from '../../support/standalone-build';
import { createTestDatabase, testServers, withClient, type TestDatabase } from '../../support/test-databases';
import { until } from '../../support/until';

const root = process.cwd();
const dockerfile = path.join(root, 'Dockerfile');
const image = readDockerfile(dockerfile);
const buildStage = image.stages.find((stage) => stage.name && stage !== image.final)!;

interface PodSpec {
  initContainers: { command: string[] }[];
}
const deployment = (
  loadAllYaml(readFileSync(path.join(root, 'deploy', 'kubernetes', 'deployment.yaml'), 'utf8')) as {
    kind: string;
    spec: { template: { spec: PodSpec } };
  }[]
).find((object) => object.kind === 'Deployment')!;
const prepareCommand = deployment.spec.template.spec.initContainers[0].command;

const ADMIN_PASSWORD = 'standalone-admin-password-1';
/** The image's user, when this test may take it (as root); the files the image copies belong to root. */
const asImageUser = process.getuid?.() === 0 && image.user ? image.user.split(':').map(Number) : undefined;

/** Where a path of the build stage (absolute, or from its WORKDIR) is in the kept build. */
const inBuild = (build: StandaloneBuild, stagePath: string) =>
  path.join(build.dir, path.posix.relative(buildStage.workdir, path.posix.resolve(buildStage.workdir, stagePath)));
/** Where a path of the image (absolute, or from its WORKDIR) is under the image's root here. */
const inImage = (imageRoot: string, imagePath: string) =>
  path.join(imageRoot, path.posix.resolve(image.final.workdir, imagePath));

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function start(command: string[], cwd: string, env: Record<string, string>): Run {
  const [program, ...args] = command;
  // A container's environment: the image's ENV and the pod's settings, nothing of this machine's
  // (Next's types insist every environment has NODE_ENV; this one has the image's).
  const containerEnv = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: cwd, ...image.env, ...env };
  const child = spawn(program === 'node' ? process.execPath : program, args, {
    cwd,
    env: containerEnv as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(asImageUser ? { uid: asImageUser[0], gid: asImageUser[1] } : {}),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

/** A run that ends by itself (the prepare step), with its exit code and output. */
async function finished(run: Run): Promise<{ code: number | null; output: string }> {
  const code = await run.exit;
  return { code, output: run.output() };
}

/** The console database's two roles as a DBA makes them (README, "What the console needs from a DBA"): owner's and app's URLs. */
async function consoleRoles(database: TestDatabase): Promise<[string, string]> {
  const tag = randomBytes(4).toString('hex');
  const [owner, app] = [`image_owner_${tag}`, `image_app_${tag}`];
  const password = randomBytes(12).toString('hex');
  await withClient(database.url, async (client) => {
    await client.query(`CREATE ROLE ${owner} LOGIN PASSWORD '${password}'`);
    await client.query(`CREATE ROLE ${app} LOGIN PASSWORD '${password}'`);
    await client.query(`ALTER DATABASE ${database.name} OWNER TO ${owner}`);
    await client.query(`REVOKE TEMPORARY ON DATABASE ${database.name} FROM PUBLIC`);
    await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  });
  const as = (user: string) => {
    const url = new URL(database.url);
    url.username = user;
    url.password = password;
    return url.toString();
  };
  return [as(owner), as(app)];
}

describe("the image: the Dockerfile's build, its init step and its server", () => {
  let build: StandaloneBuild;
  let imageRoot: string;
  let appDir: string;
  const testServer = testServers()[0];
  let datastore: TestDatabase;
  let consoleDatabase: TestDatabase;
  let emptyDatabase: TestDatabase | undefined;
  /** Role URLs made for this test (the DML role first), dropped afterwards. */
  const roles: string[] = [];
  let prepare: { code: number | null; output: string };
  let server: Run;
  let base: string;

  beforeAll(async () => {
    expect(unfollowable(dockerfile), 'instructions of the image stage this test cannot follow').toEqual([]);
    // Node looks for packages in every folder above the image's; none may hold any.
    expect(['/tmp/node_modules', '/node_modules'].filter(existsSync)).toEqual([]);
    build = await standaloneBuild(root, buildStage.runs.at(-1)!.split(/\s+/));
    // Closed to the image's user: the server cannot reach back into the build.
    await chmod(path.dirname(build.dir), 0o700);

    imageRoot = await mkdtemp(path.join(os.tmpdir(), 'sentinel-console-image-'));
    await chmod(imageRoot, 0o755);
    for (const copy of image.final.copies) {
      expect(copy.from, 'the image copies only from the build stage').toBe(buildStage.name);
      const destination = inImage(imageRoot, copy.destination);
      for (const source of copy.sources) {
        // As Docker copies: a folder's contents, links as they are.
        await cp(inBuild(build, source), destination, { recursive: true, verbatimSymlinks: true });
      }
      if (copy.chown) {
        const [uid, gid] = copy.chown.split(':').map(Number);
        await chown(destination, uid, gid);
      }
    }
    appDir = inImage(imageRoot, '.');

    // As secret.example.yaml has it: NVSentinel's database as a DML-only role, the console's own
    // database as the app's role, its owner given to the prepare step alone.
    datastore = await createTestDatabase(testServer);
    await withClient(datastore.url, (client) => applyNvsentinelSchemaState(client, 3));
    roles.push(await dmlOnlyRole(datastore.url));
    consoleDatabase = await createTestDatabase(testServer);
    const [ownerUrl, appUrl] = await consoleRoles(consoleDatabase);
    roles.push(ownerUrl, appUrl);
    const settings = { DATABASE_URL: roles[0], CONSOLE_DATABASE_URL: appUrl, CLUSTER_ACCESS: 'off' };
    prepare = await finished(
      start(prepareCommand, appDir, {
        ...settings,
        CONSOLE_DATABASE_MIGRATION_URL: ownerUrl,
        CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      }),
    );
    expect(prepare.code, prepare.output).toBe(0);

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = start(image.cmd, appDir, { ...settings, PORT: String(port) });
  }, 30 * 60_000);

  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exit;
    for (const database of [datastore, consoleDatabase, emptyDatabase]) await database?.drop();
    await withClient(testServer.adminUrl, async (client) => {
      for (const url of roles)
        await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(new URL(url).username)}`);
    });
    if (imageRoot) await rm(imageRoot, { recursive: true, force: true });
  });

  it('every path the Dockerfile copies exists: from the build context, and from the build', () => {
    for (const copy of buildStage.copies) {
      expect(copy.from).toBeUndefined();
      for (const source of copy.sources) {
        const inContext =
          source === '.' || build.context.some((file) => file === source || file.startsWith(`${source}/`));
        expect(inContext, `${source} is in the build context (.dockerignore)`).toBe(true);
      }
    }
    for (const copy of image.final.copies)
      for (const source of copy.sources)
        expect(existsSync(inBuild(build, source)), `${source} after the build`).toBe(true);
    expect(existsSync(path.join(appDir, image.cmd.at(-1)!)), 'the CMD entry').toBe(true);
    expect(existsSync(path.join(appDir, prepareCommand.at(-1)!)), "the init container's entry").toBe(true);
  });

  it("prepares as npm start does: NVSentinel's schema left as it is, the console's tables made by their owner, the first admin", () => {
    expect(prepare.output).toContain('datastore schema: NVSentinel schema version 3');
    expect(prepare.output).not.toContain("created NVSentinel's schema");
    expect(prepare.output).toContain('applied migration');
    // The app's role was granted rows only: it cannot rewrite the audit log, so no warning.
    expect(prepare.output).not.toContain('warning');
    expect(prepare.output).toContain('created the first admin "admin" with CONSOLE_ADMIN_PASSWORD');
    expect(prepare.output).toContain('ready: the console server may start');
  });

  it("creates NVSentinel's schema in an empty database, from the SQL in the image", async () => {
    emptyDatabase = await createTestDatabase(testServer);
    const step = await finished(
      start(prepareCommand, appDir, { DATABASE_URL: emptyDatabase.url, CLUSTER_ACCESS: 'off' }),
    );
    expect(step.code, step.output).toBe(0);
    for (const version of [1, 2, 3]) expect(step.output).toContain(`created NVSentinel's schema version ${version}`);
    expect(step.output).toContain('applied migration');
  });

  it('refuses, in one line, a datastore NVSentinel set up without a database for the console', async () => {
    const step = await finished(start(prepareCommand, appDir, { DATABASE_URL: roles[0], CLUSTER_ACCESS: 'off' }));
    expect(step.code).toBe(1);
    expect(step.output.split('\n').filter((line) => line.startsWith('[prepare] error:'))).toEqual([
      '[prepare] error: the datastore is NVSentinel\'s database, which the console does not change: set CONSOLE_DATABASE_URL to a database for the console\'s tables, or have a DBA create schema sentinel_console (README, "What the console needs from a DBA")',
    ]);
  });

  it('serves: /api/health at once, /api/ready once the live hub follows the change feed', async () => {
    const health = await until(
      'the server to answer /api/health',
      () => fetch(`${base}/api/health`).catch(() => undefined),
      60_000,
      250,
    );
    expect(health.status).toBe(200);
    // The console's migrations are read from the image's tree (prisma/migrations).
    expect(await health.json()).toMatchObject({
      status: 'ok',
      schema: { state: 'current', version: 3 },
      consoleDatabase: { reachable: true, migrations: { upToDate: true } },
    });
    const ready = await until(
      '/api/ready to say ready',
      async () => {
        const response = await fetch(`${base}/api/ready`);
        return response.status === 200 && response;
      },
      60_000,
      250,
    );
    expect(await ready.json()).toMatchObject({ ready: true, notReady: [] });
    expect(server.output()).toMatch(
      /\[console-server\] ready on .* \(production\); forwarding headers believed from: none/,
    );
  });

  it('renders the sign-in page, with its scripts and styles served from the tree', async () => {
    const page = await fetch(`${base}/sign-in`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('Sign in to see and act on your GPU nodes.');
    const assets = [...new Set(html.match(/\/_next\/static\/[^"'\s]+\.(?:js|css)/g))];
    expect(assets.some((asset) => asset.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const response = await fetch(`${base}${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('content-type'), asset).toMatch(/javascript|css/);
    }
  });

  it('believes no X-Forwarded-For from an untrusted peer: the audit row names the TCP peer', async () => {
    const response = await fetch(`${base}/api/nodes/gpu-node-0001/quarantine`, {
      method: 'POST',
      headers: {
        origin: base,
        'content-type': 'application/json',
        'x-forwarded-for': '6.6.6.6',
        'x-real-ip': '7.7.7.7',
      },
      body: JSON.stringify({ reason: 'forged headers' }),
    });
    expect(response.status).toBe(401);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const rows = await withClient(
      consoleDatabase.url,
      async (client) =>
        (
          await client.query<{ action: string; client_address: string }>(
            'SELECT action, client_address FROM console_audit_log WHERE request_id = $1',
            [requestId],
          )
        ).rows,
    );
    expect(rows).toEqual([{ action: 'node.quarantine', client_address: '127.0.0.1' }]);
  });

  it("finds what it reads at run time: the build's server actions, the common-password lists", async () => {
    const probe = await fetch(`${base}/nodes`, {
      method: 'POST',
      headers: { origin: base, 'next-action': '00deadbeef', 'content-type': 'text/plain;charset=UTF-8' },
      body: '[]',
    });
    // The proxy refuses an unknown action only when it has read the build's manifest.
    expect(probe.status).toBe(404);
    expect(await probe.json()).toMatchObject({ error: 'no server action has the id "00deadbeef"' });

    const signIn = await fetch(`${base}/api/auth/sign-in/username`, {
      method: 'POST',
      headers: { origin: base, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const created = await fetch(`${base}/api/users`, {
      method: 'POST',
      headers: { origin: base, cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'viewer-1', password: '000000000000', role: 'viewer' }),
    });
    expect(created.status).toBe(400);
    expect(await created.json()).toMatchObject({
      error: 'password is one of the most common passwords; choose one that is harder to guess',
    });
  });

  it.runIf(asImageUser)(
    "runs as the image's user, which cannot write in the tree, and needs to write nothing",
    async () => {
      const status = await readFile(`/proc/${server.child.pid}/status`, 'utf8');
      expect(status).toMatch(new RegExp(`^Uid:\\s+${asImageUser![0]}\\s`, 'm'));
      expect(server.output()).not.toMatch(/EACCES|EROFS|permission denied/i);
    },
  );

  it('stops on SIGTERM, at once and cleanly', async () => {
    const stoppedAt = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
    // The grace for open streams is 2 s; the pod allows 30.
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  });
});
