/* socket_internal.h: what the socket module's files share: the socket object (socket.c), address
 * conversion, name resolution and the module's functions (socket_addr.c), the waiting helpers.
 */
#ifndef MV_SOCKET_INTERNAL_H
#define MV_SOCKET_INTERNAL_H

#include <sys/socket.h>

#include "runtime/vm.h"

typedef struct {
    mv_object ob;
    int fd;         /* -1 once closed or detached */
    int family, type, proto;
    double timeout; /* < 0: blocking; 0: non-blocking; > 0: seconds (fd is O_NONBLOCK then) */
} mv_sockobj;

extern mv_type mv_socket_type;
extern mv_type mv_socket_gaierror_type, mv_socket_herror_type;

/* socket.setdefaulttimeout(): the timeout new sockets start with (< 0 = None). */
extern double mv_socket_default_timeout;

/* A Python address for `s`'s family into *ss; caller names the method for messages ("bind").
   Host names are resolved with the GIL released. 0 ok, -1 error. */
int mv_sock_parse_addr(mv_thread *t, int family, Value addr, const char *caller, struct sockaddr_storage *ss,
                       socklen_t *len);
/* The Python form of a socket address: (host, port), (host, port, flowinfo, scope_id) or a path. */
Value mv_sock_make_addr(mv_thread *t, const struct sockaddr *sa, socklen_t len);
/* Raise socket.gaierror for a getaddrinfo() error code (EAI_SYSTEM: the errno's OSError). */
Value mv_sock_gaierror(mv_thread *t, int err);

/* Wait with the GIL released until fd is ready for reading (or writing); timeout in seconds,
   < 0 = forever.  1 ready, 0 timed out, -1 exception (KeyboardInterrupt, poll error). */
int mv_sock_wait(mv_thread *t, int fd, bool writing, double timeout);

/* settimeout()'s argument: None -> -1, a non-negative number -> seconds; else CPython's
   "Timeout value out of range" / TypeError. */
int mv_sock_parse_timeout(mv_thread *t, Value v, double *out);

/* Integer argument (via __index__) as a C int; "'str' object cannot be interpreted as an integer". */
int mv_sock_int_arg(mv_thread *t, Value v, int *out);

/* Enum-like values: AddressFamily / SocketKind members (socket.AF_INET prints as
   <AddressFamily.AF_INET: 2>); a plain int when the value has no member. */
Value mv_sock_family_value(mv_thread *t, int family);
Value mv_sock_kind_value(mv_thread *t, int kind);

/* socket_addr.c: module-level functions and constants; socket.c's init calls it. */
int mv_socket_addr_init(mv_thread *t, Value m);

#endif
