// Wrappers for OpenSSL macros and variadic calls that Swift cannot import.
#ifndef PARLEY_COPENSSL_SHIM_H
#define PARLEY_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/rand.h>

static inline int parley_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_min_proto_version(ctx, v); }
static inline int parley_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_max_proto_version(ctx, v); }
static inline long parley_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes) { return SSL_CTX_set_read_ahead(ctx, yes); }
static inline long parley_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline int parley_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) { return (int)SSL_CTX_set1_groups_list(ctx, list); }
static inline long parley_DTLS_set_link_mtu(SSL *ssl, long mtu) { return DTLS_set_link_mtu(ssl, mtu); }
static inline long parley_SSL_set_mtu(SSL *ssl, long mtu) { return SSL_set_mtu(ssl, mtu); }
static inline long parley_SSL_set_options_no_query_mtu(SSL *ssl) { return SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU); }
static inline long parley_DTLSv1_get_timeout(SSL *ssl, struct timeval *tv) { return DTLSv1_get_timeout(ssl, tv); }
static inline long parley_DTLSv1_handle_timeout(SSL *ssl) { return DTLSv1_handle_timeout(ssl); }
static inline long parley_BIO_set_mem_eof_return(BIO *b, int v) { return BIO_set_mem_eof_return(b, v); }
static inline void parley_OPENSSL_free(void *p) { OPENSSL_free(p); }
static inline EVP_PKEY *parley_EVP_EC_gen_p256(void) { return EVP_EC_gen("P-256"); }
static inline const char *parley_SSL_get_cipher_name(const SSL *ssl) { return SSL_get_cipher_name(ssl); }
static inline long parley_SSL_CTX_options_dtls(SSL_CTX *ctx) {
    return (long)SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE);
}
static inline int parley_BIO_CTRL_DGRAM_QUERY_MTU(void) { return BIO_CTRL_DGRAM_QUERY_MTU; }
static inline int parley_BIO_CTRL_DGRAM_GET_MTU_OVERHEAD(void) { return BIO_CTRL_DGRAM_GET_MTU_OVERHEAD; }
static inline int parley_BIO_CTRL_FLUSH(void) { return BIO_CTRL_FLUSH; }
static inline int parley_BIO_CTRL_PENDING(void) { return BIO_CTRL_PENDING; }
static inline int parley_BIO_CTRL_WPENDING(void) { return BIO_CTRL_WPENDING; }
static inline int parley_BIO_TYPE_SOURCE_SINK(void) { return BIO_TYPE_SOURCE_SINK; }
static inline int parley_SSL_VERIFY_PEER_FAIL(void) { return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT; }
#endif
