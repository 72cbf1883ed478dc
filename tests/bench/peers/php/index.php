<?php
// The PHP peer of `make bench`: the citizen's GET /api/v1/applications/{no} (detail and
// timeline) as a PHP-FPM developer would write it, against the same MariaDB, behind the same
// nginx, so that scripts/bench.sh can compare it with the C server in one run.
//
// Same contract as the C route: bearer token checked like auth/token.c (ES256 only, kid from
// the signing_keys table, raw R‖S signature turned into DER for openssl_verify, iss, aud,
// exp/nbf with 60 s of skew, role citizen), one query for the application with its service
// and department, 404 unless it is the caller's, one query for the timeline.
//
// What PHP cannot keep between requests is kept where PHP keeps such things: the database
// connection is persistent (PDO::ATTR_PERSISTENT), the public keys live in a generated PHP
// file that OPcache holds in shared memory (reloaded when an unknown kid shows up, at most
// every 10 s, and every 5 minutes in any case).
declare(strict_types=1);

const SKEW_S = 60;
const ISSUER = 'onewindow';
const AUDIENCE = 'onewindow-api';
const KEYS_MAX_AGE_S = 300;
const KEYS_RETRY_S = 10;

function send_json(int $status, array $body, string $type = 'application/json'): never
{
    http_response_code($status);
    header("Content-Type: $type");
    header('Cache-Control: no-store');
    echo json_encode($body, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    exit;
}

function problem(int $status, string $code, string $title, string $detail): never
{
    send_json($status, [
        'type' => 'about:blank', 'title' => $title, 'status' => $status, 'detail' => $detail,
        'code' => $code, 'request_id' => $_SERVER['REQUEST_ID'] ?? '',
    ], 'application/problem+json');
}

function db(): PDO
{
    static $pdo = null;
    return $pdo ??= new PDO(
        'mysql:unix_socket=' . getenv('OW_DB_SOCKET') . ';dbname=onewindow;charset=utf8mb4',
        getenv('OW_DB_USER') ?: 'root',
        getenv('OW_DB_PASSWORD') ?: '',
        [PDO::ATTR_PERSISTENT => true, PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
         PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC]
    );
}

function b64url_decode(string $s): string|false
{
    return base64_decode(strtr($s, '-_', '+/'), true);
}

// ---- signing keys: kid => [public PEM, retire_after (0 = current)] ----

function keys_file(): string
{
    return (getenv('OW_PEER_CACHE') ?: sys_get_temp_dir()) . '/signing-keys.php';
}

function load_keys_from_db(): array
{
    $rows = db()->query(
        "SELECT kid, public_pem, COALESCE(UNIX_TIMESTAMP(retire_after), 0) AS retire_after
         FROM signing_keys WHERE alg = 'ES256'
         AND (retire_after IS NULL OR retire_after > CURRENT_TIMESTAMP(3))"
    )->fetchAll();
    $keys = ['loaded_at' => time(), 'keys' => []];
    foreach ($rows as $r) {
        $keys['keys'][$r['kid']] = [$r['public_pem'], (int) $r['retire_after']];
    }
    $file = keys_file();
    $tmp = $file . '.' . getmypid();
    file_put_contents($tmp, '<?php return ' . var_export($keys, true) . ";\n");
    rename($tmp, $file);
    if (function_exists('opcache_invalidate')) {
        opcache_invalidate($file, true);
    }
    return $keys;
}

function public_key(string $kid): ?OpenSSLAsymmetricKey
{
    $keys = @include keys_file();
    $age = is_array($keys) ? time() - $keys['loaded_at'] : PHP_INT_MAX;
    if ($age > KEYS_MAX_AGE_S || (!isset($keys['keys'][$kid]) && $age > KEYS_RETRY_S)) {
        $keys = load_keys_from_db();
    }
    [$pem, $retire] = $keys['keys'][$kid] ?? [null, 0];
    if ($pem === null || ($retire !== 0 && $retire <= time())) {
        return null;
    }
    return openssl_pkey_get_public($pem) ?: null;
}

// ---- the bearer token ----

// JWS carries ECDSA's R‖S (32 bytes each); OpenSSL wants DER: SEQUENCE { INTEGER r, INTEGER s }.
function ecdsa_der(string $rs): string
{
    $der = '';
    foreach ([substr($rs, 0, 32), substr($rs, 32)] as $int) {
        $int = ltrim($int, "\0");
        if ($int === '' || ord($int[0]) > 0x7f) {
            $int = "\0" . $int;
        }
        $der .= "\x02" . chr(strlen($int)) . $int;
    }
    return "\x30" . chr(strlen($der)) . $der;
}

function time_claim(array $c, string $name, bool $required): bool
{
    if (!array_key_exists($name, $c)) {
        return !$required;
    }
    return (is_int($c[$name]) || is_float($c[$name])) && $c[$name] >= 0 && $c[$name] <= 1e12;
}

// The verified claims of the request's bearer token; answers 401 itself otherwise.
function citizen_claims(): array
{
    $unauthorized = function (): never {
        header('WWW-Authenticate: Bearer realm="onewindow", error="invalid_token"');
        problem(401, 'unauthorized', 'Unauthorized', '请先登录。');
    };
    $auth = $_SERVER['HTTP_AUTHORIZATION'] ?? '';
    if (strncasecmp($auth, 'Bearer ', 7) !== 0) {
        header('WWW-Authenticate: Bearer realm="onewindow"');
        problem(401, 'unauthorized', 'Unauthorized', '请先登录。');
    }
    if (strlen($auth) > 4096 + 7) {
        $unauthorized();
    }
    $parts = explode('.', substr($auth, 7));
    if (count($parts) !== 3 || strlen($parts[2]) !== 86) {
        $unauthorized();
    }
    [$h64, $p64, $s64] = $parts;
    $header = json_decode((string) b64url_decode($h64), true);
    $claims = json_decode((string) b64url_decode($p64), true);
    $sig = b64url_decode($s64);
    if (!is_array($header) || !is_array($claims) || $sig === false || strlen($sig) !== 64
        || ($header['alg'] ?? null) !== 'ES256' || !is_string($header['kid'] ?? null)
        || (isset($header['typ']) && $header['typ'] !== 'JWT') || isset($header['crit'])) {
        $unauthorized();
    }
    $now = time();
    $aud = $claims['aud'] ?? null;
    if (($claims['iss'] ?? null) !== ISSUER
        || !($aud === AUDIENCE || (is_array($aud) && array_is_list($aud) && in_array(AUDIENCE, $aud, true)))
        || !is_string($claims['sub'] ?? null) || $claims['sub'] === ''
        || !is_string($claims['role'] ?? null)
        || !time_claim($claims, 'exp', true) || $claims['exp'] + SKEW_S <= $now
        || !time_claim($claims, 'nbf', false) || ($claims['nbf'] ?? 0) - SKEW_S > $now
        || !time_claim($claims, 'iat', false)) {
        $unauthorized();
    }
    $key = public_key($header['kid']);
    if ($key === null || openssl_verify("$h64.$p64", ecdsa_der($sig), $key, OPENSSL_ALGO_SHA256) !== 1) {
        $unauthorized();
    }
    if ($claims['role'] !== 'citizen') {
        problem(403, 'forbidden', 'Forbidden', '您没有权限进行此操作。');
    }
    return $claims;
}

// ---- the application ----

function rfc3339(?string $unix): ?string
{
    return $unix === null ? null : gmdate('Y-m-d\TH:i:s\Z', (int) $unix);
}

function not_found(): never
{
    problem(404, 'not_found', 'Not Found', '未找到您要的内容。');
}

// YYYYMMDD-XXXXX-XXXXX: the date in digits, then Crockford base32 where lower case and the
// confusables i/l (1) and o (0) are accepted.
function application_no(string $raw): string
{
    $no = strlen($raw) === 20 ? substr($raw, 0, 9) . strtr(strtoupper(substr($raw, 9)), 'ILO', '110') : '';
    if (!preg_match('/^[0-9]{8}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/D', $no)) {
        not_found();
    }
    return $no;
}

function application_detail(string $no, string $citizen_id): array
{
    // the same single-row read as the C server: the timeline is stored with the row
    $q = db()->prepare(
        'SELECT id, application_no, citizen_id, status, result, handler_type, handler_name,
                materials, query_code, due_date,
                UNIX_TIMESTAMP(submitted_at) AS submitted_at,
                UNIX_TIMESTAMP(updated_at) AS updated_at,
                UNIX_TIMESTAMP(finished_at) AS finished_at,
                service_code, service_name, department_code, department_name, timeline,
                enterprise_id, enterprise_credit_code, enterprise_name, enterprise_role
         FROM applications WHERE application_no = ?'
    );
    $q->execute([$no]);
    $a = $q->fetch();
    if ($a === false || (string) $a['citizen_id'] !== $citizen_id) {
        not_found();
    }
    $timeline = json_decode($a['timeline'], true) ?: [];
    $today = date('Y-m-d'); // date.timezone = Asia/Shanghai (php.ini)
    return [
        'application_no' => $a['application_no'],
        'status' => $a['status'],
        'result' => $a['result'],
        'service' => [
            'code' => $a['service_code'],
            'name' => $a['service_name'],
            'department' => ['code' => $a['department_code'], 'name' => $a['department_name']],
        ],
        'submitted_at' => rfc3339($a['submitted_at']),
        'updated_at' => rfc3339($a['updated_at']),
        'due_date' => $a['due_date'],
        'overdue' => in_array($a['status'], ['submitted', 'accepted'], true) && $today > $a['due_date'],
        'finished_at' => rfc3339($a['finished_at']),
        'handled_by' => ['type' => $a['handler_type'], 'name' => $a['handler_name']],
        'materials' => json_decode($a['materials'], true),
        // the company applied for, as the application keeps it (null: in person)
        'enterprise' => $a['enterprise_credit_code'] === null ? null : [
            'id' => (string) $a['enterprise_id'],
            'credit_code' => $a['enterprise_credit_code'],
            'name' => $a['enterprise_name'],
            'role' => $a['enterprise_role'],
        ],
        'query_code' => $a['query_code'],
        'timeline' => $timeline,
    ];
}

header('X-Request-Id: ' . ($_SERVER['REQUEST_ID'] ?? ''));
$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
if (!preg_match('#^/api/v1/applications/([^/]+)$#D', $path, $m)) {
    problem(404, 'not_found', 'Not Found', '未找到您要的内容。');
}
if ($_SERVER['REQUEST_METHOD'] !== 'GET') {
    header('Allow: GET');
    problem(405, 'method_not_allowed', 'Method Not Allowed', '此地址不支持该请求方法。');
}
$claims = citizen_claims();
send_json(200, application_detail(application_no(rawurldecode($m[1])), $claims['sub']));
