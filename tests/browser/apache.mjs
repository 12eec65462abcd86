// A real Apache (Debian's apache2) in front of chat-webd, configured with
// the project's own conf/apache/rtchat.conf.
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const modules = ['mpm_event', 'authz_core', 'authz_user', 'authn_core', 'authn_file',
  'auth_basic', 'headers', 'proxy', 'proxy_http', 'env', 'setenvif'];

export async function startApache(rtchat, port, users) {
  const dir = rtchat.dir;
  const htpasswd = join(dir, 'htpasswd');
  for (const [i, [user, password]] of Object.entries(Object.entries(users)))
    execFileSync('htpasswd', [i === '0' ? '-cbB' : '-bB', htpasswd, user, password], { stdio: 'ignore' });
  const conf = join(dir, 'apache.conf');
  writeFileSync(conf, [
    'ServerRoot /etc/apache2',
    ...modules.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
    `Listen 127.0.0.1:${port}`,
    `PidFile ${dir}/apache.pid`,
    `ErrorLog ${dir}/apache-error.log`,
    'LogLevel warn',
    'User nobody',
    'Group nogroup',
    'ServerName 127.0.0.1',
    `DefaultRuntimeDir ${dir}`,
    `Define RTCHAT_BACKEND http://127.0.0.1:${rtchat.port}`,
    `Define RTCHAT_BASIC_AUTH_FILE ${htpasswd}`,
    `Include ${process.env.RTCHAT_SOURCE_DIR}/conf/apache/rtchat.conf`,
    ''].join('\n'));
  execFileSync('chmod', ['0644', htpasswd]);
  const apache = spawn('apache2', ['-f', conf, '-DFOREGROUND'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  await rtchat.until(async () => {
    try { return (await fetch(`${base}/healthz`)).ok; } catch { return false; }
  }, 'Apache proxying to chat-webd');
  return {
    base,
    async stop() {
      apache.kill('SIGTERM');
      await new Promise((ok) => apache.once('exit', ok));
    },
  };
}
