/* socket_addr.c: the socket module around the socket object: address conversion (Python tuples
 * <-> struct sockaddr), name resolution (getaddrinfo, gethostbyname, getnameinfo, all with the
 * GIL released), inet_* and hton* helpers, the constants, gaierror/herror, and the parts CPython
 * writes in Python (the AddressFamily/SocketKind enums, create_connection, create_server).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "abstract.h"
#include "bytes.h"
#include "class.h"
#include "dict.h"
#include "exc.h"
#include "float.h"
#include "gil.h"
#include "int.h"
#include "list.h"
#include "modules.h"
#include "socket_internal.h"
#include "str.h"
#include "tuple.h"

/* ---- exceptions ------------------------------------------------------------------------------ */

mv_type mv_socket_gaierror_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "gaierror",
    .basicsize = sizeof(mv_exc),
    .dictoffset = offsetof(mv_exc, dict),
    .flags = MV_TPFLAG_BASETYPE | MV_TPFLAG_EXC_SUBCLASS,
    .base = &mv_exc_OSError,
};

mv_type mv_socket_herror_type = {
    .ob = MV_STATIC_HEAD(&mv_type_type),
    .name = "herror",
    .basicsize = sizeof(mv_exc),
    .dictoffset = offsetof(mv_exc, dict),
    .flags = MV_TPFLAG_BASETYPE | MV_TPFLAG_EXC_SUBCLASS,
    .base = &mv_exc_OSError,
};

static Value raise_code_msg(mv_thread *t, mv_type *type, int code, const char *msg) {
    Value m = mv_str_from_cstr(msg);
    Value args = mv_tuple_pack(2, MV_FROM_SMALL(code), m);
    MV_DECREF(m);
    Value exc = mv_exc_new(t, type, args);
    MV_DECREF(args);
    if (!exc) return NULL;
    mv_err_set_object(t, exc);
    MV_DECREF(exc);
    return NULL;
}

Value mv_sock_gaierror(mv_thread *t, int err) {
    if (err == EAI_SYSTEM) return mv_err_errno(t, errno, NULL);
    return raise_code_msg(t, &mv_socket_gaierror_type, err, gai_strerror(err));
}

/* ---- enum-like constants --------------------------------------------------------------------- */

/* The member for v in the module's value -> member dict `table` (filled by its Python part). */
static Value member(mv_thread *t, const char *table_name, int v) {
    Value mod = mv_dict_get_cstr(t, t->vm->modules, "socket");
    Value d = mod ? mv_module_check_dict(mod) : NULL;
    Value table = d ? mv_dict_get_cstr(t, d, table_name) : NULL;
    if (mv_err_occurred(t)) mv_err_clear(t);
    if (table && mv_dict_check(table)) {
        Value k = MV_FROM_SMALL(v);
        Value m = mv_dict_get(t, table, k);
        if (m) return mv_newref(m);
        if (mv_err_occurred(t)) mv_err_clear(t);
    }
    return mv_int_from_i64(v);
}

Value mv_sock_family_value(mv_thread *t, int family) { return member(t, "_af_members", family); }
Value mv_sock_kind_value(mv_thread *t, int kind) { return member(t, "_kind_members", kind); }

/* ---- addresses ------------------------------------------------------------------------------- */

/* Resolve host (a str/bytes) for family into sa (sockaddr_in or sockaddr_in6, port 0). */
static int set_ip_addr(mv_thread *t, Value host, int family, struct sockaddr_storage *ss) {
    const char *name;
    const unsigned char *bd;
    size_t bn;
    if (mv_str_check(host)) name = mv_str_data(host);
    else if (mv_bytes_like(host, &bd, &bn)) name = (const char *)bd;
    else {
        mv_err_format(t, &mv_exc_TypeError, "str, bytes or bytearray expected, not %T", host);
        return -1;
    }
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        if (name[0] == 0) {
            sin->sin_addr.s_addr = htonl(INADDR_ANY);
            return 0;
        }
        if (!strcmp(name, "<broadcast>") || !strcmp(name, "255.255.255.255")) {
            sin->sin_addr.s_addr = htonl(INADDR_BROADCAST);
            return 0;
        }
        if (inet_pton(AF_INET, name, &sin->sin_addr) == 1) return 0;
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        if (name[0] == 0) {
            sin6->sin6_addr = in6addr_any;
            return 0;
        }
        if (!strchr(name, '%') && inet_pton(AF_INET6, name, &sin6->sin6_addr) == 1) return 0;
    }
    /* a name (or an IPv6 address with a scope): ask the resolver, without the GIL */
    char *copy = mv_malloc(strlen(name) + 1);
    strcpy(copy, name);
    struct addrinfo hints = {.ai_family = family}, *res = NULL;
    MV_GIL_RELEASE(t);
    int err = getaddrinfo(copy, NULL, &hints, &res);
    MV_GIL_ACQUIRE(t);
    mv_free(copy);
    if (err) {
        mv_sock_gaierror(t, err);
        return -1;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

static int port_arg(mv_thread *t, Value v, const char *caller, int *port) {
    int p;
    if (mv_sock_int_arg(t, v, &p) < 0) {
        if (mv_err_matches(t, &mv_exc_OverflowError)) {
            mv_err_clear(t);
            mv_err_format(t, &mv_exc_OverflowError, "%s(): port must be 0-65535.", caller);
        }
        return -1;
    }
    if (p < 0 || p > 65535) {
        mv_err_format(t, &mv_exc_OverflowError, "%s(): port must be 0-65535.", caller);
        return -1;
    }
    *port = p;
    return 0;
}

int mv_sock_parse_addr(mv_thread *t, int family, Value addr, const char *caller, struct sockaddr_storage *ss,
                       socklen_t *len) {
    memset(ss, 0, sizeof *ss);
    if (family == AF_UNIX) {
        struct sockaddr_un *sun = (struct sockaddr_un *)ss;
        const char *p;
        size_t n;
        const unsigned char *bd;
        if (mv_str_check(addr)) {
            p = mv_str_data(addr);
            n = mv_str_size(addr);
        } else if (mv_bytes_like(addr, &bd, &n)) {
            p = (const char *)bd;
        } else {
            mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", addr);
            return -1;
        }
        if (n >= sizeof sun->sun_path) {
            mv_err_set(t, &mv_exc_OSError, "AF_UNIX path too long");
            return -1;
        }
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, p, n);
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (n && p[0] ? 1 : 0));
        return 0;
    }
    if (family != AF_INET && family != AF_INET6) {
        mv_err_format(t, &mv_exc_OSError, "%s(): bad family", caller);
        return -1;
    }
    const char *fname = family == AF_INET ? "AF_INET" : "AF_INET6";
    if (!mv_tuple_check(addr)) {
        mv_err_format(t, &mv_exc_TypeError, "%s(): %s address must be tuple, not %T", caller, fname, addr);
        return -1;
    }
    size_t n = mv_tuple_size(addr);
    Value *it = mv_tuple_items(addr);
    if (family == AF_INET && n != 2) {
        mv_err_set(t, &mv_exc_TypeError, "AF_INET address must be a pair (host, port)");
        return -1;
    }
    if (family == AF_INET6 && (n < 2 || n > 4)) {
        mv_err_set(t, &mv_exc_TypeError, "AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])");
        return -1;
    }
    if (!mv_str_check(it[0]) && !mv_bytes_check(it[0]) && (MV_IS_SMALL(it[0]) || !mv_isinstance_of(it[0], &mv_bytearray_type))) {
        mv_err_format(t, &mv_exc_TypeError, "str, bytes or bytearray expected, not %T", it[0]);
        return -1;
    }
    int port;
    if (port_arg(t, it[1], caller, &port) < 0) return -1;
    int64_t flowinfo = 0, scope = 0;
    if (n > 2 && mv_index_int64(t, it[2], &flowinfo) < 0) return -1;
    if (n > 3 && mv_index_int64(t, it[3], &scope) < 0) return -1;
    if (flowinfo < 0 || flowinfo > 0xfffff) {
        mv_err_format(t, &mv_exc_OverflowError, "%s(): flowinfo must be 0-1048575.", caller);
        return -1;
    }
    if (set_ip_addr(t, it[0], family, ss) < 0) return -1;
    if (family == AF_INET) {
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
        *len = sizeof(struct sockaddr_in);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_port = htons((uint16_t)port);
        sin6->sin6_flowinfo = htonl((uint32_t)flowinfo);
        if (n > 3) sin6->sin6_scope_id = (uint32_t)scope;
        *len = sizeof(struct sockaddr_in6);
    }
    return 0;
}

Value mv_sock_make_addr(mv_thread *t, const struct sockaddr *sa, socklen_t len) {
    char buf[INET6_ADDRSTRLEN];
    switch (sa->sa_family) {
    case AF_INET: {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
        Value h = mv_str_from_cstr(buf), p = mv_int_from_i64(ntohs(sin->sin_port));
        Value r = mv_tuple_pack(2, h, p);
        MV_DECREF(h);
        MV_DECREF(p);
        return r;
    }
    case AF_INET6: {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
        Value h = mv_str_from_cstr(buf), p = mv_int_from_i64(ntohs(sin6->sin6_port));
        Value f = mv_int_from_i64(ntohl(sin6->sin6_flowinfo)), s = mv_int_from_i64(sin6->sin6_scope_id);
        Value r = mv_tuple_pack(4, h, p, f, s);
        MV_DECREF(h);
        MV_DECREF(p);
        MV_DECREF(f);
        MV_DECREF(s);
        return r;
    }
    case AF_UNIX: {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
        size_t off = offsetof(struct sockaddr_un, sun_path);
        size_t n = len > off ? len - off : 0;
        if (n > 0 && sun->sun_path[0] == 0) return mv_bytes_new(sun->sun_path, n); /* abstract namespace */
        n = strnlen(sun->sun_path, n);
        return mv_str_decode_utf8(t, sun->sun_path, n, "surrogateescape");
    }
    default: {
        Value fam = mv_int_from_i64(sa->sa_family);
        Value data = mv_bytes_new(sa->sa_data, sizeof sa->sa_data);
        Value r = mv_tuple_pack(2, fam, data);
        MV_DECREF(fam);
        MV_DECREF(data);
        return r;
    }
    }
}

/* ---- resolution ------------------------------------------------------------------------------ */

#define FN(name) static Value name(mv_thread *t, Value self, Value *args, size_t nargs, Value kwnames)

/* getaddrinfo(host, port, family=0, type=0, proto=0, flags=0) */
FN(m_getaddrinfo) {
    static const char *const kwlist[] = {"host", "port", "family", "type", "proto", "flags", NULL};
    Value a[6];
    if (nargs < 2 && !kwnames)
        return mv_err_format(t, &mv_exc_TypeError, nargs ? "getaddrinfo() missing 1 required positional argument: 'port'"
                                                         : "getaddrinfo() missing 2 required positional arguments: 'host' and 'port'");
    if (mv_parse_args(t, "getaddrinfo", args, nargs, kwnames, kwlist, 2, a) < 0) return NULL;
    char *host = NULL, *port = NULL;
    const unsigned char *bd;
    size_t bn;
    if (mv_str_check(a[0])) host = strdup(mv_str_data(a[0]));
    else if (mv_bytes_like(a[0], &bd, &bn)) host = strndup((const char *)bd, bn);
    else if (a[0] != MV_NONE) return mv_err_set(t, &mv_exc_TypeError, "getaddrinfo() argument 1 must be string or None");
    char pbuf[32];
    if (mv_int_check(a[1])) {
        int64_t p;
        if (mv_int_as_i64(t, a[1], &p) < 0) {
            free(host);
            return NULL;
        }
        snprintf(pbuf, sizeof pbuf, "%lld", (long long)p);
        port = pbuf;
    } else if (mv_str_check(a[1])) {
        port = strdup(mv_str_data(a[1]));
    } else if (mv_bytes_like(a[1], &bd, &bn)) {
        port = strndup((const char *)bd, bn);
    } else if (a[1] != MV_NONE) {
        free(host);
        return mv_err_set(t, &mv_exc_OSError, "Int or String expected");
    }
    struct addrinfo hints = {0}, *res = NULL;
    int v[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        if (a[2 + i] && mv_sock_int_arg(t, a[2 + i], &v[i]) < 0) {
            free(host);
            if (port != pbuf) free(port);
            return NULL;
        }
    }
    hints.ai_family = v[0];
    hints.ai_socktype = v[1];
    hints.ai_protocol = v[2];
    hints.ai_flags = v[3];
    MV_GIL_RELEASE(t);
    int err = getaddrinfo(host, port, &hints, &res);
    MV_GIL_ACQUIRE(t);
    free(host);
    if (port != pbuf) free(port);
    if (err) return mv_sock_gaierror(t, err);
    Value list = mv_list_new(0);
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        Value fam = mv_sock_family_value(t, ai->ai_family), kind = mv_sock_kind_value(t, ai->ai_socktype);
        Value proto = mv_int_from_i64(ai->ai_protocol);
        Value canon = mv_str_from_cstr(ai->ai_canonname ? ai->ai_canonname : "");
        Value addr = mv_sock_make_addr(t, ai->ai_addr, ai->ai_addrlen);
        Value tup = addr ? mv_tuple_pack(5, fam, kind, proto, canon, addr) : NULL;
        MV_DECREF(fam);
        MV_DECREF(kind);
        MV_DECREF(proto);
        MV_DECREF(canon);
        MV_XDECREF(addr);
        if (!tup) {
            MV_DECREF(list);
            freeaddrinfo(res);
            return NULL;
        }
        mv_list_append_steal(list, tup);
    }
    freeaddrinfo(res);
    return list;
}

static int name_arg(mv_thread *t, const char *fname, Value v, char **out) {
    const unsigned char *bd;
    size_t bn;
    if (mv_str_check(v)) *out = strdup(mv_str_data(v));
    else if (mv_bytes_like(v, &bd, &bn)) *out = strndup((const char *)bd, bn);
    else {
        mv_err_format(t, &mv_exc_TypeError, "%s() argument 1 must be str, bytes or bytearray, not %T", fname, v);
        return -1;
    }
    return 0;
}

FN(m_gethostbyname) {
    if (mv_check_nargs(t, "gethostbyname", nargs, 1, 1) < 0) return NULL;
    char *name;
    if (name_arg(t, "gethostbyname", args[0], &name) < 0) return NULL;
    struct addrinfo hints = {.ai_family = AF_INET}, *res = NULL;
    MV_GIL_RELEASE(t);
    int err = getaddrinfo(name, NULL, &hints, &res);
    MV_GIL_ACQUIRE(t);
    free(name);
    if (err) return mv_sock_gaierror(t, err);
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, buf, sizeof buf);
    freeaddrinfo(res);
    return mv_str_from_cstr(buf);
}

/* gethostbyname_ex / gethostbyaddr: (name, aliases, [addresses]) from the resolver */
static Value host_triple(mv_thread *t, const char *fname, Value arg, bool by_addr) {
    char *name;
    if (name_arg(t, fname, arg, &name) < 0) return NULL;
    struct addrinfo hints = {.ai_family = by_addr ? AF_UNSPEC : AF_INET, .ai_flags = AI_CANONNAME}, *res = NULL;
    char host[NI_MAXHOST] = "";
    MV_GIL_RELEASE(t);
    int err = getaddrinfo(name, NULL, &hints, &res);
    int herr = 0;
    if (!err && by_addr) herr = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, NULL, 0, NI_NAMEREQD);
    MV_GIL_ACQUIRE(t);
    free(name);
    if (err) return mv_sock_gaierror(t, err);
    if (herr) {
        freeaddrinfo(res);
        return raise_code_msg(t, &mv_socket_herror_type, 1, "Unknown host");
    }
    Value addrs = mv_list_new(0);
    char buf[INET6_ADDRSTRLEN];
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_socktype != SOCK_STREAM && ai->ai_socktype != 0) continue;
        const void *p = ai->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
                                                 : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
        inet_ntop(ai->ai_family, p, buf, sizeof buf);
        mv_list_append_steal(addrs, mv_str_from_cstr(buf));
    }
    Value hn = mv_str_from_cstr(by_addr ? host : res->ai_canonname ? res->ai_canonname : "");
    freeaddrinfo(res);
    Value aliases = mv_list_new(0);
    Value r = mv_tuple_pack(3, hn, aliases, addrs);
    MV_DECREF(hn);
    MV_DECREF(aliases);
    MV_DECREF(addrs);
    return r;
}

FN(m_gethostbyname_ex) {
    if (mv_check_nargs(t, "gethostbyname_ex", nargs, 1, 1) < 0) return NULL;
    return host_triple(t, "gethostbyname_ex", args[0], false);
}

FN(m_gethostbyaddr) {
    if (mv_check_nargs(t, "gethostbyaddr", nargs, 1, 1) < 0) return NULL;
    return host_triple(t, "gethostbyaddr", args[0], true);
}

FN(m_gethostname) {
    if (mv_check_nargs(t, "gethostname", nargs, 0, 0) < 0) return NULL;
    char buf[256];
    if (gethostname(buf, sizeof buf) < 0) return mv_err_errno(t, errno, NULL);
    buf[sizeof buf - 1] = 0;
    return mv_str_from_cstr(buf);
}

/* getnameinfo(sockaddr, flags) */
FN(m_getnameinfo) {
    if (mv_check_nargs(t, "getnameinfo", nargs, 2, 2) < 0) return NULL;
    if (!mv_tuple_check(args[0]))
        return mv_err_set(t, &mv_exc_TypeError, "getnameinfo() argument 1 must be a tuple");
    int flags;
    if (mv_sock_int_arg(t, args[1], &flags) < 0) return NULL;
    Value host = mv_tuple_size(args[0]) ? mv_tuple_items(args[0])[0] : MV_NONE;
    int family = mv_str_check(host) && strchr(mv_str_data(host), ':') ? AF_INET6 : AF_INET;
    struct sockaddr_storage ss;
    socklen_t len;
    if (mv_sock_parse_addr(t, family, args[0], "getnameinfo", &ss, &len) < 0) return NULL;
    char h[NI_MAXHOST], s[NI_MAXSERV];
    MV_GIL_RELEASE(t);
    int err = getnameinfo((struct sockaddr *)&ss, len, h, sizeof h, s, sizeof s, flags);
    MV_GIL_ACQUIRE(t);
    if (err) return mv_sock_gaierror(t, err);
    Value hv = mv_str_from_cstr(h), sv = mv_str_from_cstr(s);
    Value r = mv_tuple_pack(2, hv, sv);
    MV_DECREF(hv);
    MV_DECREF(sv);
    return r;
}

/* ---- inet_* and byte order ------------------------------------------------------------------- */

FN(m_inet_aton) {
    if (mv_check_nargs(t, "inet_aton", nargs, 1, 1) < 0) return NULL;
    if (!mv_str_check(args[0]))
        return mv_err_format(t, &mv_exc_TypeError, "inet_aton() argument 1 must be str, not %T", args[0]);
    struct in_addr in;
    if (!inet_aton(mv_str_data(args[0]), &in))
        return mv_err_set(t, &mv_exc_OSError, "illegal IP address string passed to inet_aton");
    return mv_bytes_new(&in, 4);
}

FN(m_inet_ntoa) {
    if (mv_check_nargs(t, "inet_ntoa", nargs, 1, 1) < 0) return NULL;
    const unsigned char *d;
    size_t n;
    if (!mv_bytes_like(args[0], &d, &n))
        return mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", args[0]);
    if (n != 4) return mv_err_set(t, &mv_exc_OSError, "packed IP wrong length for inet_ntoa");
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, d, buf, sizeof buf);
    return mv_str_from_cstr(buf);
}

FN(m_inet_pton) {
    if (mv_check_nargs(t, "inet_pton", nargs, 2, 2) < 0) return NULL;
    int af;
    if (mv_sock_int_arg(t, args[0], &af) < 0) return NULL;
    if (!mv_str_check(args[1]))
        return mv_err_format(t, &mv_exc_TypeError, "inet_pton() argument 2 must be str, not %T", args[1]);
    unsigned char buf[16];
    int r = inet_pton(af, mv_str_data(args[1]), buf);
    if (r < 0) return mv_err_errno(t, errno, NULL);
    if (r == 0) return mv_err_set(t, &mv_exc_OSError, "illegal IP address string passed to inet_pton");
    return mv_bytes_new(buf, af == AF_INET ? 4 : 16);
}

FN(m_inet_ntop) {
    if (mv_check_nargs(t, "inet_ntop", nargs, 2, 2) < 0) return NULL;
    int af;
    if (mv_sock_int_arg(t, args[0], &af) < 0) return NULL;
    const unsigned char *d;
    size_t n;
    if (!mv_bytes_like(args[1], &d, &n))
        return mv_err_format(t, &mv_exc_TypeError, "a bytes-like object is required, not '%T'", args[1]);
    if (af != AF_INET && af != AF_INET6) return mv_err_format(t, &mv_exc_ValueError, "unknown address family %d", af);
    if (n != (af == AF_INET ? 4u : 16u)) return mv_err_set(t, &mv_exc_ValueError, "invalid length of packed IP address string");
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(af, d, buf, sizeof buf)) return mv_err_errno(t, errno, NULL);
    return mv_str_from_cstr(buf);
}

static Value swap16(mv_thread *t, const char *name, Value *args, size_t nargs, bool to_net) {
    if (mv_check_nargs(t, name, nargs, 1, 1) < 0) return NULL;
    int64_t v;
    if (mv_index_int64(t, args[0], &v) < 0) {
        if (mv_err_matches(t, &mv_exc_OverflowError)) {
            mv_err_clear(t);
            mv_err_set(t, &mv_exc_OverflowError, "Python int too large to convert to C long");
        }
        return NULL;
    }
    if (v < 0)
        return mv_err_format(t, &mv_exc_OverflowError, "%s: can't convert negative Python int to C 16-bit unsigned integer", name);
    if (v > 0xffff)
        return mv_err_format(t, &mv_exc_OverflowError, "%s: Python int too large to convert to C 16-bit unsigned integer", name);
    return mv_int_from_i64(to_net ? htons((uint16_t)v) : ntohs((uint16_t)v));
}

static Value swap32(mv_thread *t, const char *name, Value *args, size_t nargs, bool to_net) {
    if (mv_check_nargs(t, name, nargs, 1, 1) < 0) return NULL;
    if (!mv_int_check(args[0])) return mv_err_format(t, &mv_exc_TypeError, "expected int, %T found", args[0]);
    int64_t v;
    if (mv_int_sign(args[0]) < 0) return mv_err_set(t, &mv_exc_OverflowError, "can't convert negative value to unsigned int");
    if (mv_int_as_i64(t, args[0], &v) < 0 || v > 0xffffffffLL) {
        mv_err_clear(t);
        return mv_err_set(t, &mv_exc_OverflowError, "int larger than 32 bits");
    }
    return mv_int_from_i64(to_net ? htonl((uint32_t)v) : ntohl((uint32_t)v));
}

FN(m_htons) { return swap16(t, "htons", args, nargs, true); }
FN(m_ntohs) { return swap16(t, "ntohs", args, nargs, false); }
FN(m_htonl) { return swap32(t, "htonl", args, nargs, true); }
FN(m_ntohl) { return swap32(t, "ntohl", args, nargs, false); }

FN(m_getservbyname) {
    if (mv_check_nargs(t, "getservbyname", nargs, 1, 2) < 0) return NULL;
    if (!mv_str_check(args[0]) || (nargs > 1 && !mv_str_check(args[1])))
        return mv_err_set(t, &mv_exc_TypeError, "getservbyname() argument must be str");
    struct servent *se = getservbyname(mv_str_data(args[0]), nargs > 1 ? mv_str_data(args[1]) : NULL);
    if (!se) return mv_err_set(t, &mv_exc_OSError, "service/proto not found");
    return mv_int_from_i64(ntohs((uint16_t)se->s_port));
}

FN(m_getservbyport) {
    if (mv_check_nargs(t, "getservbyport", nargs, 1, 2) < 0) return NULL;
    int port;
    if (mv_sock_int_arg(t, args[0], &port) < 0) return NULL;
    if (port < 0 || port > 0xffff) return mv_err_set(t, &mv_exc_OverflowError, "getservbyport: port must be 0-65535.");
    if (nargs > 1 && !mv_str_check(args[1])) return mv_err_set(t, &mv_exc_TypeError, "getservbyport() argument 2 must be str");
    struct servent *se = getservbyport(htons((uint16_t)port), nargs > 1 ? mv_str_data(args[1]) : NULL);
    if (!se) return mv_err_set(t, &mv_exc_OSError, "port/proto not found");
    return mv_str_from_cstr(se->s_name);
}

FN(m_getprotobyname) {
    if (mv_check_nargs(t, "getprotobyname", nargs, 1, 1) < 0) return NULL;
    if (!mv_str_check(args[0])) return mv_err_format(t, &mv_exc_TypeError, "getprotobyname() argument 1 must be str, not %T", args[0]);
    struct protoent *pe = getprotobyname(mv_str_data(args[0]));
    if (!pe) return mv_err_set(t, &mv_exc_OSError, "protocol not found");
    return mv_int_from_i64(pe->p_proto);
}

FN(m_if_nametoindex) {
    if (mv_check_nargs(t, "if_nametoindex", nargs, 1, 1) < 0) return NULL;
    if (!mv_str_check(args[0])) return mv_err_format(t, &mv_exc_TypeError, "if_nametoindex(): argument 1 must be str, not %T", args[0]);
    unsigned idx = if_nametoindex(mv_str_data(args[0]));
    if (!idx) return mv_err_set(t, &mv_exc_OSError, "no interface with this name");
    return mv_int_from_i64(idx);
}

static const mv_method_def addr_funcs[] = {
    {"getaddrinfo", m_getaddrinfo, 0, NULL},
    {"gethostbyname", m_gethostbyname, 0, NULL},
    {"gethostbyname_ex", m_gethostbyname_ex, 0, NULL},
    {"gethostbyaddr", m_gethostbyaddr, 0, NULL},
    {"gethostname", m_gethostname, 0, NULL},
    {"getnameinfo", m_getnameinfo, 0, NULL},
    {"inet_aton", m_inet_aton, 0, NULL},
    {"inet_ntoa", m_inet_ntoa, 0, NULL},
    {"inet_pton", m_inet_pton, 0, NULL},
    {"inet_ntop", m_inet_ntop, 0, NULL},
    {"htons", m_htons, 0, NULL},
    {"ntohs", m_ntohs, 0, NULL},
    {"htonl", m_htonl, 0, NULL},
    {"ntohl", m_ntohl, 0, NULL},
    {"getservbyname", m_getservbyname, 0, NULL},
    {"getservbyport", m_getservbyport, 0, NULL},
    {"getprotobyname", m_getprotobyname, 0, NULL},
    {"if_nametoindex", m_if_nametoindex, 0, NULL},
    {NULL, NULL, 0, NULL},
};

/* ---- constants ------------------------------------------------------------------------------- */

#define C(name) {#name, name}
static const struct {
    const char *name;
    long value;
} constants[] = {
    C(AF_UNSPEC), C(AF_INET), C(AF_INET6), C(AF_UNIX), C(AF_PACKET), C(AF_NETLINK),
    C(SOCK_STREAM), C(SOCK_DGRAM), C(SOCK_RAW), C(SOCK_SEQPACKET), C(SOCK_RDM), C(SOCK_NONBLOCK),
    C(SOCK_CLOEXEC),
    C(SOL_SOCKET), C(SO_REUSEADDR), C(SO_REUSEPORT), C(SO_KEEPALIVE), C(SO_ERROR), C(SO_RCVBUF),
    C(SO_SNDBUF), C(SO_BROADCAST), C(SO_LINGER), C(SO_TYPE), C(SO_DOMAIN), C(SO_PROTOCOL),
    C(SO_ACCEPTCONN), C(SO_RCVLOWAT), C(SO_SNDLOWAT), C(SO_RCVTIMEO), C(SO_SNDTIMEO), C(SO_OOBINLINE),
    C(SO_DONTROUTE), C(SO_PRIORITY), C(SO_PEERCRED), C(SO_PASSCRED), C(SO_BINDTODEVICE),
    C(SOMAXCONN), C(SOL_IP), C(SOL_TCP),
    C(IPPROTO_IP), C(IPPROTO_TCP), C(IPPROTO_UDP), C(IPPROTO_IPV6), C(IPPROTO_ICMP), C(IPPROTO_ICMPV6),
    C(IPPROTO_RAW),
    C(TCP_NODELAY), C(TCP_MAXSEG), C(TCP_KEEPIDLE), C(TCP_KEEPINTVL), C(TCP_KEEPCNT), C(TCP_QUICKACK),
    C(TCP_CORK), C(TCP_USER_TIMEOUT), C(TCP_FASTOPEN), C(TCP_NOTSENT_LOWAT),
    C(IP_TOS), C(IP_TTL), C(IP_MULTICAST_TTL), C(IP_MULTICAST_LOOP), C(IP_ADD_MEMBERSHIP),
    C(IPV6_V6ONLY), C(IPV6_UNICAST_HOPS), C(IPV6_MULTICAST_HOPS), C(IPV6_MULTICAST_LOOP),
    C(SHUT_RD), C(SHUT_WR), C(SHUT_RDWR),
    C(MSG_PEEK), C(MSG_DONTWAIT), C(MSG_WAITALL), C(MSG_OOB), C(MSG_TRUNC), C(MSG_NOSIGNAL),
    C(MSG_DONTROUTE), C(MSG_CTRUNC), C(MSG_EOR), C(MSG_CMSG_CLOEXEC), C(MSG_CONFIRM), C(MSG_MORE),
    C(MSG_ERRQUEUE),
    C(AI_PASSIVE), C(AI_CANONNAME), C(AI_NUMERICHOST), C(AI_NUMERICSERV), C(AI_ADDRCONFIG),
    C(AI_V4MAPPED), C(AI_ALL),
    C(NI_NUMERICHOST), C(NI_NUMERICSERV), C(NI_NOFQDN), C(NI_NAMEREQD), C(NI_DGRAM), C(NI_MAXHOST),
    C(NI_MAXSERV),
    C(EAI_AGAIN), C(EAI_BADFLAGS), C(EAI_FAIL), C(EAI_FAMILY), C(EAI_MEMORY), C(EAI_NONAME),
    C(EAI_SERVICE), C(EAI_SOCKTYPE), C(EAI_SYSTEM), C(EAI_OVERFLOW), C(EAI_NODATA), C(EAI_ADDRFAMILY),
    C(INADDR_ANY), C(INADDR_BROADCAST), C(INADDR_LOOPBACK), C(INADDR_NONE),
    C(SCM_RIGHTS), C(SCM_CREDENTIALS),
};
#undef C

/* The parts socket.py writes in Python.  The enums are int subclasses whose repr is CPython's
   (<AddressFamily.AF_INET: 2>) and whose str/format are int's, as IntEnum's in 3.11. */
static const char socket_py[] =
    "class _IntEnum(int):\n"
    "    def __repr__(self):\n"
    "        return '<%s.%s: %d>' % (type(self).__name__, self.name, int(self))\n"
    "    def __str__(self):\n"
    "        return int.__repr__(int(self))\n"
    "    def __format__(self, spec):\n"
    "        return format(int(self), spec)\n"
    "    @property\n"
    "    def name(self):\n"
    "        return type(self)._names_[int(self)]\n"
    "    @property\n"
    "    def value(self):\n"
    "        return int(self)\n"
    "    def __reduce__(self):\n"
    "        return (type(self), (int(self),))\n"
    "class AddressFamily(_IntEnum):\n"
    "    pass\n"
    "class SocketKind(_IntEnum):\n"
    "    pass\n"
    "def _members(cls, prefix, exclude=()):\n"
    "    g = globals()\n"
    "    names, table = {}, {}\n"
    "    for k in sorted(g):\n"
    "        v = g[k]\n"
    "        if k.startswith(prefix) and type(v) is int and k not in exclude and v not in names:\n"
    "            names[v] = k\n"
    "    cls._names_ = names\n"
    "    for v, k in names.items():\n"
    "        m = int.__new__(cls, v)\n"
    "        table[v] = m\n"
    "        setattr(cls, k, m)\n"
    "        g[k] = m\n"
    "    return table\n"
    "_af_members = _members(AddressFamily, 'AF_')\n"
    "_kind_members = _members(SocketKind, 'SOCK_')\n"
    "_GLOBAL_DEFAULT_TIMEOUT = object()\n"
    "def create_connection(address, timeout=_GLOBAL_DEFAULT_TIMEOUT, source_address=None, *, all_errors=False):\n"
    "    host, port = address\n"
    "    exceptions = []\n"
    "    for res in getaddrinfo(host, port, 0, SOCK_STREAM):\n"
    "        af, socktype, proto, canonname, sa = res\n"
    "        sock = None\n"
    "        try:\n"
    "            sock = socket(af, socktype, proto)\n"
    "            if timeout is not _GLOBAL_DEFAULT_TIMEOUT:\n"
    "                sock.settimeout(timeout)\n"
    "            if source_address:\n"
    "                sock.bind(source_address)\n"
    "            sock.connect(sa)\n"
    "            exceptions.clear()\n"
    "            return sock\n"
    "        except error as exc:\n"
    "            if not all_errors:\n"
    "                exceptions.clear()\n"
    "            exceptions.append(exc)\n"
    "            if sock is not None:\n"
    "                sock.close()\n"
    "    if len(exceptions):\n"
    "        try:\n"
    "            raise exceptions[0]\n"
    "        finally:\n"
    "            exceptions.clear()\n"
    "    else:\n"
    "        raise error('getaddrinfo returns an empty list')\n"
    "def has_dualstack_ipv6():\n"
    "    try:\n"
    "        with socket(AF_INET6, SOCK_STREAM) as sock:\n"
    "            sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0)\n"
    "            return True\n"
    "    except error:\n"
    "        return False\n"
    "def create_server(address, *, family=AF_INET, backlog=None, reuse_port=False, dualstack_ipv6=False):\n"
    "    if dualstack_ipv6 and family != AF_INET6:\n"
    "        raise ValueError('dualstack_ipv6 requires AF_INET6 family')\n"
    "    sock = socket(family, SOCK_STREAM)\n"
    "    try:\n"
    "        try:\n"
    "            sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)\n"
    "        except error:\n"
    "            pass\n"
    "        if reuse_port:\n"
    "            sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1)\n"
    "        if family == AF_INET6:\n"
    "            sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0 if dualstack_ipv6 else 1)\n"
    "        try:\n"
    "            sock.bind(address)\n"
    "        except error as err:\n"
    "            msg = '%s (while attempting to bind on address %r)' % (err.strerror, address)\n"
    "            raise error(err.errno, msg) from None\n"
    "        if backlog is None:\n"
    "            sock.listen()\n"
    "        else:\n"
    "            sock.listen(backlog)\n"
    "        return sock\n"
    "    except error:\n"
    "        sock.close()\n"
    "        raise\n"
    "def getfqdn(name=''):\n"
    "    name = name.strip()\n"
    "    if not name or name in ('0.0.0.0', '::'):\n"
    "        name = gethostname()\n"
    "    try:\n"
    "        hostname, aliases, ipaddrs = gethostbyaddr(name)\n"
    "    except error:\n"
    "        pass\n"
    "    else:\n"
    "        aliases.insert(0, hostname)\n"
    "        for name in aliases:\n"
    "            if '.' in name:\n"
    "                break\n"
    "        else:\n"
    "            name = hostname\n"
    "    return name\n";

static int ready_exc(mv_type *tp) {
    if (tp->flags & MV_TPFLAG_READY) return 0;
    tp->module = mv_str_from_cstr("socket");
    return mv_type_ready(tp);
}

int mv_socket_addr_init(mv_thread *t, Value m) {
    if (ready_exc(&mv_socket_gaierror_type) < 0 || ready_exc(&mv_socket_herror_type) < 0) return -1;
    if (mv_module_add_methods(t, m, addr_funcs) < 0) return -1;
    for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++) {
        Value v = mv_int_from_i64(constants[i].value);
        int r = mv_module_add(t, m, constants[i].name, v);
        MV_DECREF(v);
        if (r < 0) return -1;
    }
    if (mv_module_add(t, m, "has_ipv6", MV_TRUE) < 0 || mv_module_add(t, m, "error", (Value)&mv_exc_OSError) < 0 ||
        mv_module_add(t, m, "timeout", (Value)&mv_exc_TimeoutError) < 0 ||
        mv_module_add(t, m, "gaierror", (Value)&mv_socket_gaierror_type) < 0 ||
        mv_module_add(t, m, "herror", (Value)&mv_socket_herror_type) < 0)
        return -1;
    return mv_module_exec_source(t, m, socket_py, sizeof socket_py - 1, "<frozen socket>");
}
