#!/usr/bin/env bash
# Mints a development HS256 token for Auth:Mode=Jwt with bash and openssl (no build needed).
#
#   scripts/token.sh [-s subject] [-p publish-patterns] [-S subscribe-patterns] [-l lifetime-seconds]
#                    [-k key] [-i issuer] [-a audience]
#
#   scripts/token.sh -s ada -p 'chat:*' -S 'chat:* stock:*'     # prints the token
#   curl -H "Authorization: Bearer $(scripts/token.sh -s ada -p 'chat:*')" ...
#
# The key is -k, else $Auth__SigningKey (the variable the API reads), else Auth:SigningKey from
# Api/appsettings.Development.json or Api/appsettings.json. Patterns are space-separated; the
# defaults give the subject everything (publish and subscribe '*') for an hour.
set -euo pipefail

subject="dev" publish="*" subscribe="*" lifetime=3600 key="${Auth__SigningKey:-}"
issuer="${Auth__Issuer:-grainstream}" audience="${Auth__Audience:-grainstream}"
while getopts "s:p:S:l:k:i:a:h" opt; do
  case "$opt" in
    s) subject="$OPTARG" ;;
    p) publish="$OPTARG" ;;
    S) subscribe="$OPTARG" ;;
    l) lifetime="$OPTARG" ;;
    k) key="$OPTARG" ;;
    i) issuer="$OPTARG" ;;
    a) audience="$OPTARG" ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done

if [[ -z "$key" ]]; then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  for file in "$root/Api/appsettings.Development.json" "$root/Api/appsettings.json"; do
    [[ -f "$file" ]] || continue
    # A flat read of "SigningKey": "…" inside the file; good enough for the development settings.
    key="$(sed -n 's/.*"SigningKey"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$file" | head -n 1)"
    [[ -n "$key" ]] && break
  done
fi
if [[ -z "$key" ]]; then echo "token.sh: no key: pass -k or set Auth__SigningKey" >&2; exit 1; fi
if (( $(printf '%s' "$key" | wc -c) < 32 )); then echo "token.sh: the key must be at least 32 bytes (HS256)" >&2; exit 1; fi
[[ "$subject" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || { echo "token.sh: the subject must match ^[A-Za-z0-9._-]{1,64}\$" >&2; exit 1; }
[[ "$lifetime" =~ ^[0-9]+$ ]] || { echo "token.sh: the lifetime is a number of seconds" >&2; exit 1; }

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
json_string() { local s="${1//\\/\\\\}"; printf '"%s"' "${s//\"/\\\"}"; }
json_array() {
  local out="" pattern
  for pattern in $1; do out+="${out:+,}$(json_string "$pattern")"; done
  printf '[%s]' "$out"
}

set -f # the patterns contain '*': no globbing while they are split
now=$(date +%s)
header='{"alg":"HS256","typ":"JWT"}'
payload="{\"sub\":$(json_string "$subject"),\"iss\":$(json_string "$issuer"),\"aud\":$(json_string "$audience"),\"iat\":$now,\"nbf\":$now,\"exp\":$((now + lifetime)),\"publish\":$(json_array "$publish"),\"subscribe\":$(json_array "$subscribe")}"
set +f
unsigned="$(printf '%s' "$header" | b64url).$(printf '%s' "$payload" | b64url)"
signature="$(printf '%s' "$unsigned" | openssl dgst -sha256 -hmac "$key" -binary | b64url)"
printf '%s.%s\n' "$unsigned" "$signature"
