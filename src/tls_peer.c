/* tls_peer.c - whether to trust the server's certificate (the verify
 * result, a pinned fingerprint, or -o insecure), and the one-line error
 * that says what to do when not (see tls.h). */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/x509v3.h>

#include "tls.h"

void ftps_tls_fingerprint_str(X509 *cert, char *buf, size_t buflen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t off;

	if (!cert || X509_digest(cert, EVP_sha256(), md, &n) != 1) {
		snprintf(buf, buflen, "(none)");
		return;
	}
	off = (size_t)snprintf(buf, buflen, "SHA256:");
	for (unsigned i = 0; i < n && off + 3 < buflen; i++)
		off += (size_t)snprintf(buf + off, buflen - off, i ? ":%02X" : "%02X", md[i]);
}

static void cert_names(X509 *cert, char *buf, size_t buflen)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans) && off + 2 < buflen; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
		char ip[64];

		if (gn->type == GEN_DNS) {
			const unsigned char *s = ASN1_STRING_get0_data(gn->d.dNSName);
			off += (size_t)snprintf(buf + off, buflen - off, "%s%.*s", off ? ", " : "",
			                        ASN1_STRING_length(gn->d.dNSName), (const char *)s);
		} else if (gn->type == GEN_IPADD) {
			int len = ASN1_STRING_length(gn->d.iPAddress);
			const unsigned char *a = ASN1_STRING_get0_data(gn->d.iPAddress);
			if (inet_ntop(len == 16 ? AF_INET6 : AF_INET, a, ip, sizeof(ip)))
				off += (size_t)snprintf(buf + off, buflen - off, "%s%s", off ? ", " : "", ip);
		}
	}
	GENERAL_NAMES_free(sans);
	if (!buf[0])
		X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName,
		                          buf, (int)buflen);
}

static int fingerprint_matches(X509 *cert, const unsigned char want[32])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	return cert && X509_digest(cert, EVP_sha256(), md, &n) == 1 && n == 32 &&
	       memcmp(md, want, 32) == 0;
}

ftps_err ftps_tls_check_peer(struct ftps_tls *t, SSL *ssl, const char *host,
                             const char *what, struct ftps_status *st)
{
	const struct ftps_config *cfg = t->cfg;
	X509 *cert = SSL_get0_peer_certificate(ssl);
	char fp[128], names[256], want[128];
	long vr;

	if (cfg->insecure)
		return FTPS_OK;
	if (!cert)
		return ftps_fail(st, FTPS_E_CERT, 0, "the server sent no certificate on the %s connection", what);
	ftps_tls_fingerprint_str(cert, fp, sizeof(fp));
	if (cfg->has_fingerprint) {
		if (fingerprint_matches(cert, cfg->fingerprint))
			return FTPS_OK;
		size_t off = (size_t)snprintf(want, sizeof(want), "SHA256:");
		for (int i = 0; i < 32 && off + 3 < sizeof(want); i++)
			off += (size_t)snprintf(want + off, sizeof(want) - off, i ? ":%02X" : "%02X",
			                        cfg->fingerprint[i]);
		return ftps_fail(st, FTPS_E_CERT, 0,
		                 "the server's certificate %s does not match -o fingerprint=%s: "
		                 "the certificate changed or someone is in between", fp, want);
	}
	vr = SSL_get_verify_result(ssl);
	if (vr == X509_V_OK)
		return FTPS_OK;
	switch (vr) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		cert_names(cert, names, sizeof(names));
		return ftps_fail(st, FTPS_E_CERT, 0,
		                 "the server's certificate is for '%s', not '%s': connect with a name it "
		                 "lists, or pin it with -o fingerprint=%s", names, host, fp);
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return ftps_fail(st, FTPS_E_CERT, 0,
		                 "the server's certificate %s (%s); pin it with -o fingerprint=%s "
		                 "if you trust it anyway", vr == X509_V_ERR_CERT_HAS_EXPIRED ?
		                 "has expired" : "is not valid yet", fp, fp);
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		return ftps_fail(st, FTPS_E_CERT, 0,
		                 "the server's certificate is not trusted (%s): give its CA with "
		                 "-o cafile=FILE, or pin this certificate with -o fingerprint=%s",
		                 X509_verify_cert_error_string(vr), fp);
	default:
		return ftps_fail(st, FTPS_E_CERT, 0,
		                 "the server's certificate failed verification: %s (fingerprint %s)",
		                 X509_verify_cert_error_string(vr), fp);
	}
}
