// Typed, non-variadic wrappers around libcurl's variadic calls.
//
// Swift does not import C variadic functions, so every curl_easy_setopt and
// curl_easy_getinfo that Kontakt makes goes through one of these. Each wrapper
// fixes the argument type the option expects, which is also the type check that
// the variadic API itself lacks.
#ifndef KONTAKT_CCURL_SHIM_H
#define KONTAKT_CCURL_SHIM_H

#include <curl/curl.h>

typedef size_t (*kontakt_curl_data_fn)(char *, size_t, size_t, void *);
typedef int (*kontakt_curl_debug_fn)(CURL *, curl_infotype, char *, size_t, void *);

static inline CURLcode kontakt_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kontakt_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kontakt_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kontakt_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kontakt_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kontakt_curl_setopt_datafn(CURL *h, CURLoption o, kontakt_curl_data_fn v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode kontakt_curl_setopt_debugfn(CURL *h, kontakt_curl_debug_fn v) { return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, v); }

static inline CURLcode kontakt_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode kontakt_curl_getinfo_certinfo(CURL *h, struct curl_certinfo **v) { return curl_easy_getinfo(h, CURLINFO_CERTINFO, v); }

// 7.88 spells this option with three L's; 8.2 renamed it and kept an alias.
static inline CURLcode kontakt_curl_allow_failed_recipients(CURL *h, long on) {
#if LIBCURL_VERSION_NUM >= 0x080200
    return curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLOWFAILS, on);
#else
    return curl_easy_setopt(h, CURLOPT_MAIL_RCPT_ALLLOWFAILS, on);
#endif
}

static inline const char *kontakt_curl_version(void) { return LIBCURL_VERSION; }
static inline unsigned int kontakt_curl_version_num(void) { return LIBCURL_VERSION_NUM; }

#endif
