#ifndef KONTAKT_BYTE_SCAN_H
#define KONTAKT_BYTE_SCAN_H

#include <stddef.h>

/// The longest prefix of `bytes[0..<count]`, in whole 32-byte blocks, made only of base64
/// alphabet characters (A–Z a–z 0–9 + / and URL-safe - _) and line white space (CR LF SP TAB).
/// Returns its length and stores in `*alphabet` how many alphabet characters it holds.
size_t kontakt_base64_clean_prefix(const unsigned char *bytes, size_t count, size_t *alphabet);

#endif
