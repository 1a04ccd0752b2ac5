#!/bin/sh
# Regenerates the certificates of the TLS tests (security/TlsIntegrationTests):
#   ca.crt                  a self-signed test CA (its key is thrown away)
#   server.crt, server.key  redis-server's certificate for localhost and 127.0.0.1
#   client.crt, client.key  a client certificate, for mutual TLS
# all signed by the CA and valid for 100 years. They are for tests only: the private keys
# are public. Needs openssl; run from anywhere: sh generate.sh
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
days=36500

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
	-subj "/CN=agent-memory-redis test CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-keyout "$work/ca.key" -out ca.crt

sign() { # name subject extensions
	openssl req -newkey rsa:2048 -nodes -sha256 -subj "$2" -keyout "$1.key" -out "$work/$1.csr"
	printf '%s\n' "$3" > "$work/$1.ext"
	openssl x509 -req -sha256 -days "$days" -in "$work/$1.csr" -CA ca.crt -CAkey "$work/ca.key" \
		-CAcreateserial -CAserial "$work/ca.srl" -extfile "$work/$1.ext" -out "$1.crt"
}

sign server "/CN=localhost" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"

sign client "/CN=agent-memory-redis test client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

chmod 644 ./*.crt ./*.key
