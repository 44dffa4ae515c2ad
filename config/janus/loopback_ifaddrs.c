/*
 * LD_PRELOAD shim for Janus on loopback-only test machines (scripts/janus compiles it with gcc).
 * Janus (and libnice) drop every interface flagged IFF_LOOPBACK before applying ice_enforce_list,
 * so on 127.0.0.1 they gather no host candidate at all (../shared/notes/PEERS.md). This wraps
 * getifaddrs(3) and clears IFF_LOOPBACK in its results; everything else is the real call.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stddef.h>

int getifaddrs(struct ifaddrs **ifap) {
    static int (*real_getifaddrs)(struct ifaddrs **) = NULL;
    if (real_getifaddrs == NULL) {
        real_getifaddrs = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
        if (real_getifaddrs == NULL) return -1;
    }
    int rc = real_getifaddrs(ifap);
    if (rc == 0 && ifap != NULL) {
        for (struct ifaddrs *i = *ifap; i != NULL; i = i->ifa_next) i->ifa_flags &= ~(unsigned int)IFF_LOOPBACK;
    }
    return rc;
}
