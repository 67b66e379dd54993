package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
)

// Errors of the TLS option values; the option checks wrap them with the
// value they refuse.
var (
	errTLSProtocol    = errors.New("unknown TLS protocol version")
	errTLSProtocolGap = errors.New("the versions must be consecutive (Go's TLS takes a lowest and a highest version)")
	errTLSCipher      = errors.New("unknown cipher")
	errTLSCipherUnsup = errors.New("cipher not offered by this server")
	errTLSCipherSyntx = errors.New("OpenSSL cipher string keywords and operators are not supported: list cipher names separated by ':'")
)

// tlsVersions are the names tls-protocols accepts (any letter case), as in
// Redis, in increasing order.
var tlsVersions = []struct {
	name string
	v    uint16
}{
	{"TLSv1", tls.VersionTLS10},
	{"TLSv1.1", tls.VersionTLS11},
	{"TLSv1.2", tls.VersionTLS12},
	{"TLSv1.3", tls.VersionTLS13},
}

// defaultTLSProtocols is Redis's default for an empty tls-protocols.
const defaultTLSProtocols = "TLSv1.2 TLSv1.3"

// parseTLSProtocols reads tls-protocols ("TLSv1.2 TLSv1.3"; empty is the
// default) into the lowest and highest version. Go cannot leave a version
// out between two it accepts, so a gap is refused.
func parseTLSProtocols(v string) (lo, hi uint16, err error) {
	if strings.TrimSpace(v) == "" {
		v = defaultTLSProtocols
	}
	var seen [4]bool
	for _, w := range strings.Fields(v) {
		i := tlsVersionIndex(w)
		if i < 0 {
			return 0, 0, fmt.Errorf("%w '%s': use a combination of TLSv1, TLSv1.1, TLSv1.2 and TLSv1.3", errTLSProtocol, w)
		}
		seen[i] = true
	}
	first, last := -1, -1
	for i, ok := range seen {
		if ok {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	for i := first; i <= last; i++ {
		if !seen[i] {
			return 0, 0, fmt.Errorf("%w: %s is missing", errTLSProtocolGap, tlsVersions[i].name)
		}
	}
	return tlsVersions[first].v, tlsVersions[last].v, nil
}

func tlsVersionIndex(w string) int {
	for i, x := range tlsVersions {
		if strings.EqualFold(w, x.name) {
			return i
		}
	}
	return -1
}

// openSSLCiphers maps the OpenSSL names of the TLS 1.2 (and older) cipher
// suites Go offers to Go's (IANA) names.
var openSSLCiphers = map[string]string{
	"ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-RSA-AES128-GCM-SHA256":   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-RSA-AES256-GCM-SHA384":   "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	"ECDHE-RSA-CHACHA20-POLY1305":   "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	"ECDHE-ECDSA-AES128-SHA":        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
	"ECDHE-RSA-AES128-SHA":          "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
	"ECDHE-ECDSA-AES256-SHA":        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
	"ECDHE-RSA-AES256-SHA":          "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
}

// refusedOpenSSLCiphers are OpenSSL names of suites Go implements only as
// insecure (RC4, 3DES, RSA key exchange, CBC with SHA-256) or does not
// implement; naming one is refused rather than silently dropped.
var refusedOpenSSLCiphers = map[string]bool{
	"AES128-GCM-SHA256": true, "AES256-GCM-SHA384": true, "AES128-SHA": true, "AES256-SHA": true,
	"AES128-SHA256": true, "AES256-SHA256": true, "DES-CBC3-SHA": true, "RC4-SHA": true, "RC4-MD5": true,
	"ECDHE-RSA-DES-CBC3-SHA": true, "ECDHE-ECDSA-RC4-SHA": true, "ECDHE-RSA-RC4-SHA": true,
	"ECDHE-ECDSA-AES128-SHA256": true, "ECDHE-RSA-AES128-SHA256": true,
	"ECDHE-ECDSA-AES256-SHA384": true, "ECDHE-RSA-AES256-SHA384": true,
	"DHE-RSA-AES128-GCM-SHA256": true, "DHE-RSA-AES256-GCM-SHA384": true, "DHE-RSA-CHACHA20-POLY1305": true,
	"DHE-RSA-AES128-SHA": true, "DHE-RSA-AES256-SHA": true, "DHE-RSA-AES128-SHA256": true, "DHE-RSA-AES256-SHA256": true,
}

// parseTLSCiphers reads tls-ciphers, the TLS 1.2 cipher list: OpenSSL names
// (or Go's IANA names) separated by ':' (',' and spaces work too, as in
// OpenSSL). Empty means Go's default secure list (nil).
func parseTLSCiphers(v string) ([]uint16, error) {
	secure := map[string]uint16{}
	for _, c := range tls.CipherSuites() {
		secure[c.Name] = c.ID
	}
	var ids []uint16
	for _, w := range cipherWords(v) {
		if w[0] == '!' || w[0] == '-' || strings.ContainsAny(w, "+@") || isCipherKeyword(w) {
			return nil, fmt.Errorf("'%s': %w", w, errTLSCipherSyntx)
		}
		name := w
		if goName, ok := openSSLCiphers[strings.ToUpper(w)]; ok {
			name = goName
		}
		id, ok := secure[strings.ToUpper(name)]
		switch {
		case ok && isTLS13Suite(id):
			return nil, fmt.Errorf("'%s' is a TLS 1.3 suite: name it in tls-ciphersuites", w)
		case ok:
			ids = append(ids, id)
		case refusedOpenSSLCiphers[strings.ToUpper(w)] || isInsecureSuite(name):
			return nil, fmt.Errorf("'%s': %w (Go's TLS implements it only as insecure, or not at all)", w, errTLSCipherUnsup)
		default:
			return nil, fmt.Errorf("%w '%s'", errTLSCipher, w)
		}
	}
	return ids, nil
}

// tls13Suites are the TLS 1.3 suites Go implements, by their OpenSSL (and
// IANA) names.
var tls13Suites = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}

// checkTLSCipherSuites validates tls-ciphersuites, the TLS 1.3 list. Go
// always offers all its TLS 1.3 suites and lets no program choose them, so
// the list is only checked: a name Go does not implement is refused (a
// list that asks for it alone would otherwise be silently ignored).
func checkTLSCipherSuites(v string) error {
	for _, w := range cipherWords(v) {
		known := false
		for _, s := range tls13Suites {
			known = known || strings.EqualFold(w, s)
		}
		switch {
		case known:
		case strings.EqualFold(w, "TLS_AES_128_CCM_SHA256") || strings.EqualFold(w, "TLS_AES_128_CCM_8_SHA256"):
			return fmt.Errorf("'%s': %w (Go's TLS 1.3 has %s)", w, errTLSCipherUnsup, strings.Join(tls13Suites, ", "))
		default:
			return fmt.Errorf("%w '%s': TLS 1.3 suites are %s", errTLSCipher, w, strings.Join(tls13Suites, ", "))
		}
	}
	return nil
}

// checkTLSProtocols and checkTLSCiphers are the option table's checks.
func checkTLSProtocols(v string) error { _, _, err := parseTLSProtocols(v); return err }

func checkTLSCiphers(v string) error { _, err := parseTLSCiphers(v); return err }

// cipherWords splits an OpenSSL cipher list.
func cipherWords(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ':' || r == ',' || r == ' ' })
}

// isCipherKeyword reports OpenSSL's group keywords (HIGH, DEFAULT, aRSA...),
// which name no single suite.
func isCipherKeyword(w string) bool {
	return !strings.Contains(w, "-") && !strings.Contains(w, "_")
}

func isTLS13Suite(id uint16) bool {
	for _, c := range tls.CipherSuites() {
		if c.ID == id {
			return len(c.SupportedVersions) == 1 && c.SupportedVersions[0] == tls.VersionTLS13
		}
	}
	return false
}

func isInsecureSuite(name string) bool {
	for _, c := range tls.InsecureCipherSuites() {
		if strings.EqualFold(c.Name, name) {
			return true
		}
	}
	return false
}
