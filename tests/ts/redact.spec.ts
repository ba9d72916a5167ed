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
  'sigval77',
  'hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345',
  'sk-proj-abc123DEF456ghi789',
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI',
  'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
  'MIIEvQIBADAN',
  'camelSECRET4',
  'flagSECRET5',
  '12345678'
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
    ['Authorization: Bearer abcdefSECRET2', 'Authorization: <redacted>'],
    [
      'login(token="hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345")',
      'token="<redacted>"'
    ],
    ['hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345 in log', '<redacted> in log'],
    [
      "os.environ['HF_TOKEN'] = 'hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345'",
      "os.environ['HF_TOKEN'] = '<redacted>'"
    ],
    ['OpenAI(api_key=sk-proj-abc123DEF456ghi789)', 'api_key=<redacted>)'],
    ['client sk-proj-abc123DEF456ghi789 made', 'client <redacted> made'],
    ['id AKIAIOSFODNN7EXAMPLE region', 'id <redacted> region'],
    [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_secret_access_key = <redacted>'
    ],
    ['secret_key=wJalrXUtnFEMI', 'secret_key=<redacted>'],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', '<redacted>'],
    [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADAN\n-----END RSA PRIVATE ' +
        'KEY-----',
      '<redacted>'
    ],
    ['{accessToken: "camelSECRET4"}', 'accessToken: "<redacted>"'],
    ["cfg = {'apiKey': 'camelSECRET4'}", "'apiKey': '<redacted>'"],
    ['train.py --api-key flagSECRET5 --lr 1e-4', '--api-key <redacted> --lr'],
    ['password=12345678', 'password=<redacted>'],
    ['X-API-Key: abcSECRET1', 'X-API-Key: <redacted>'],
    ['GET /x?a=1&api_key=abcSECRET1', '&api_key=<redacted>']
  ])('hides the secret in %s', (text, expected) => {
    const out = redactSecrets(text);
    expect(out).toContain(expected);
    for (const secret of SECRETS) {
      expect(out).not.toContain(secret);
    }
    expect(redactSecrets(out)).toBe(out);
  });

  it.each([
    'pad_token="<|endoftext|>" eos_token: <|im_end|> "token": 151643',
    'tokenizer.pad_token = tokenizer.eos_token; --pad-token 0',
    'api_key=os.environ["TINKER_API_KEY"] token=args.hf_token api_key=None',
    'maxTokens: 100 eosToken: "<eos>" --max-tokens 100 num_tokens: 7',
    'base_model="Qwen/Qwen3-8B" renderer_name=qwen3 ' +
      'model meta-llama/Llama-3.1-8B',
    'log_path=/tmp/tinker-examples/sl path /home/u/tml-data/f.txt',
    "Retrying request self.request_id='3e4f-12ab-cd' because of try_again",
    'request req_7f9a2b session_id=sess-0001-abc request_id=req_abc123def456',
    'tinker://8b9c-1f/sampler_weights/000080 tinker://r1/weights/step-0010',
    'hf_hub_download(repo_id) weights.build_hf_model() hf_transfer on',
    'mask-rcnn sk-learn task-1234567 risk-assessment',
    "APIStatusError(\"Error code: 402 - {'detail': 'paused'}\")"
  ])('keeps ordinary text readable: %s', text => {
    expect(redactSecrets(text)).toBe(text);
  });

  it('keeps ordinary text, token counts and plain URLs', () => {
    const text =
      'max_tokens=100 tokens: 5 at http://10.1.2.3:8000/v1?step=3 design=ok';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redaction exemptions do not let secrets through', () => {
  it.each([
    ['password="correct.horse.battery"', 'password="<redacted>"'],
    ["db_password: 'pkg.mod.attr'", "db_password: '<redacted>'"],
    ['api_key="os.environ(1)"', 'api_key="<redacted>"'],
    ['auth_token=123456', 'auth_token=<redacted>'],
    ['access_token: 1234567', 'access_token: <redacted>'],
    ['--hf-token 123456', '--hf-token <redacted>']
  ])('hides %s', (text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('keeps unquoted code, tokenizer ids and a bare token id', () => {
    const text =
      'password=args.password api_key=cfg.keys.tinker eos_token_id=2 ' +
      'pad_token: 0 "token": 151643';
    expect(redactSecrets(text)).toBe(text);
  });

  it('hides values after names longer than the bounded prefix', () => {
    const pairName = 'my_'.repeat(30) + 'api_key';
    expect(redactSecrets(`${pairName}=abcSECRET1`)).toBe(
      `${pairName}=<redacted>`
    );
    const flag = '--' + 'very-'.repeat(20) + 'token';
    expect(redactSecrets(`${flag} flagSECRET5 --lr 1`)).toBe(
      `${flag} <redacted> --lr 1`
    );
  });

  it.each(['-', 'a-', '--a', '-a', 'a_', 'a_token'])(
    'stays linear on a long run of %j',
    unit => {
      // 200,000 characters: a quadratic pattern takes tens of seconds here
      // (40,000 dashes took 0.8 s before the bound); linear takes ~0.1 s.
      const text = unit.repeat(Math.ceil(200_000 / unit.length));
      const start = Date.now();
      redactSecrets(text);
      expect(Date.now() - start).toBeLessThan(2000);
    }
  );
});

describe('every redaction in the engine uses the shared rules', () => {
  it('hides URL passwords and headers in decoder and service text', () => {
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
