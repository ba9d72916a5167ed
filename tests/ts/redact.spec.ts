import { redactSecrets } from '../../src/engine/redact';

const SECRETS = [
  'hunter2pass',
  'pw1secret',
  'abcSECRET1',
  'abcdefSECRET2',
  'abcdefSECRET3',
  'tokval999',
  'tml-abcdefghij1234',
  'zzzsecret',
  'eyJhbGciOiJIUzI1NiJ9',
  'sigval77'
];

describe('redactSecrets', () => {
  it.each([
    ['url=https://bob:hunter2pass@proxy.corp:8080', 'https://<redacted>@'],
    [
      'status code 503 for https://u1:pw1secret@host.example/api/v1/x',
      'https://<redacted>@host.example/api/v1/x'
    ],
    ["{'X-API-Key': 'abcSECRET1'}", "'X-API-Key': '<redacted>'"],
    [
      "{'authorization': 'Token abcdefSECRET2'}",
      "'authorization': '<redacted>'"
    ],
    ["{'cookie': 'session=abcdefSECRET3'}", "'cookie': '<redacted>'"],
    ['Set-Cookie: sid=abcdefSECRET3; Path=/', 'Set-Cookie: <redacted>'],
    ['Proxy-Authorization: Basic abcdefSECRET2 sent', ': <redacted> sent'],
    ['GET /v1?token=tokval999&x=1&sig=sigval77', '?token=<redacted>&x=1'],
    ['export TINKER_API_KEY=tml-abcdefghij1234', 'TINKER_API_KEY=<redacted>'],
    ['key tml-abcdefghij1234 used', 'key <redacted> used'],
    ['api_key=zzzsecret', 'api_key=<redacted>'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'jwt <redacted>'],
    ['Authorization: Bearer abcdefSECRET2', 'Authorization: <redacted>']
  ])('hides the secret in %s', (text, expected) => {
    const out = redactSecrets(text);
    expect(out).toContain(expected);
    for (const secret of SECRETS) {
      expect(out).not.toContain(secret);
    }
    expect(redactSecrets(out)).toBe(out);
  });

  it('keeps ordinary text, token counts and plain URLs', () => {
    const text =
      'max_tokens=100 tokens: 5 at http://10.1.2.3:8000/v1?step=3 design=ok';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('every redaction in the engine uses the shared rules', () => {
  it('hides URL passwords and header values in decoder and service text', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const decoder = require('../../src/engine/decoder/match');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const service = require('../../src/engine/rules/serviceDecode');
    const text =
      "503 for https://u1:pw1secret@host.example/x headers={'authorization'" +
      ": 'Token abcdefSECRET2', 'cookie': 'session=abcdefSECRET3'}";
    for (const redact of [decoder.redact, service.redact]) {
      expect(redact(text)).toBe(redactSecrets(text));
      expect(redact(text)).not.toMatch(/pw1secret|SECRET2|SECRET3/);
    }
  });
});
