// STOQ's UDP socket for Linux (N-API, so one build loads in Node and Electron alike).
// A connection's datagrams go out as one sendmsg with UDP_SEGMENT (GSO) and come in coalesced with UDP_GRO; where the
// kernel or device refuses either, sendmmsg/recvmmsg. It parses no packets, only socket addresses.
// JS drives it: open() gives a handle, onEvent(1) says readable, onEvent(2) says writable again after a send that
// hit EAGAIN. See src/node-core/transport/stoq/udp-addon.ts.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

#define MAX_MSGS 64       // datagrams (or GRO super-datagrams) per recv call, and per sendmmsg
#define EVENT_READABLE 1
#define EVENT_WRITABLE 2

typedef struct {
  int fd;
  int family;
  int gso;
  int gro;
  int closed;
  int want_writable;
  uv_poll_t *poll; // its own allocation: libuv may still hold it after the socket is freed
  napi_env env;
  napi_ref on_event;
  napi_async_context async;
  struct sockaddr_storage src[MAX_MSGS]; // sources of the last recv's messages
  struct sockaddr_storage last_src;      // the source returned before those
  socklen_t last_src_len;
} sock_t;

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) {                                                                                           \
      napi_throw_error(env, "EADDON", "stoq-udp: N-API call failed: " #call);                                         \
      return NULL;                                                                                                     \
    }                                                                                                                  \
  } while (0)

static const char *errno_code(int e) {
  switch (e) {
  case EADDRINUSE: return "EADDRINUSE";
  case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
  case EACCES: return "EACCES";
  case EAFNOSUPPORT: return "EAFNOSUPPORT";
  case EINVAL: return "EINVAL";
  case EMFILE: return "EMFILE";
  case ENOBUFS: return "ENOBUFS";
  default: return "ESOCKET";
  }
}

static napi_value throw_errno(napi_env env, int e, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_code(e), msg);
  return NULL;
}

static void on_poll(uv_poll_t *handle, int status, int events);

static void update_poll(sock_t *s) {
  if (s->closed) return;
  int events = UV_READABLE | (s->want_writable ? UV_WRITABLE : 0);
  uv_poll_start(s->poll, events, on_poll);
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  sock_t *s = (sock_t *)handle->data;
  if (s->closed) return;
  napi_env env = s->env;
  int which = 0;
  if (status < 0) which = EVENT_READABLE; // let JS read: the recv reports the error and the drain ends
  if (events & UV_READABLE) which |= EVENT_READABLE;
  if (events & UV_WRITABLE) {
    which |= EVENT_WRITABLE;
    s->want_writable = 0;
    update_poll(s);
  }
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, arg, result;
  if (napi_get_reference_value(env, s->on_event, &fn) == napi_ok && fn != NULL &&
      napi_get_global(env, &recv) == napi_ok && napi_create_int32(env, which, &arg) == napi_ok) {
    // make_callback, not call_function: promises resolved in there run their reactions before we return to libuv.
    if (napi_make_callback(env, s->async, recv, fn, 1, &arg, &result) != napi_ok) {
      napi_value exc;
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending && napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void free_poll(uv_handle_t *handle) { free(handle); }

static void close_sock(sock_t *s) {
  if (!s->closed) {
    s->closed = 1;
    uv_poll_stop(s->poll);
    uv_close((uv_handle_t *)s->poll, free_poll);
    close(s->fd);
    if (s->on_event) napi_delete_reference(s->env, s->on_event);
    s->on_event = NULL;
    if (s->async) napi_async_destroy(s->env, s->async);
    s->async = NULL;
  }
}

static void finalize(napi_env env, void *data, void *hint) {
  close_sock((sock_t *)data);
  free(data);
}

static sock_t *get_sock(napi_env env, napi_value v) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "EARG", "stoq-udp: not a socket handle");
    return NULL;
  }
  return (sock_t *)data;
}

// Fills `out` from a numeric host and a port; an IPv4 host on an IPv6 socket becomes ::ffff:a.b.c.d.
static int make_addr(int family, const char *host, uint32_t port, struct sockaddr_storage *out, socklen_t *len) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_socktype = SOCK_DGRAM;
  if (port > 65535 || getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) return -1;
  memset(out, 0, sizeof *out);
  int ok = 0;
  if (res->ai_family == family) {
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    ok = 1;
  } else if (family == AF_INET6 && res->ai_family == AF_INET) {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
    a6->sin6_family = AF_INET6;
    a6->sin6_addr.s6_addr[10] = 0xff;
    a6->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&a6->sin6_addr.s6_addr[12], &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
    *len = sizeof *a6;
    ok = 1;
  }
  freeaddrinfo(res);
  if (!ok) return -1;
  if (family == AF_INET6) ((struct sockaddr_in6 *)out)->sin6_port = htons((uint16_t)port);
  else ((struct sockaddr_in *)out)->sin_port = htons((uint16_t)port);
  return 0;
}

static napi_value addr_string(napi_env env, const struct sockaddr_storage *ss) {
  char text[INET6_ADDRSTRLEN + 16] = "";
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a6->sin6_addr, text, sizeof text);
    if (a6->sin6_scope_id != 0) {
      char *end = text + strlen(text);
      snprintf(end, sizeof text - (size_t)(end - text), "%%%u", a6->sin6_scope_id);
    }
  } else {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, text, sizeof text);
  }
  napi_value v;
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v));
  return v;
}

static uint32_t addr_port(const struct sockaddr_storage *ss) {
  return ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
                                   : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

// open(host, port, v6only, bufferBytes, onEvent) -> handle
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, "EARG", "stoq-udp: open(host, port, v6only, bufferBytes, onEvent)");
    return NULL;
  }
  char host[INET6_ADDRSTRLEN + 32];
  size_t host_len = 0;
  uint32_t port = 0, buffer_bytes = 0;
  bool v6only = true;
  napi_valuetype fn_type;
  if (napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_len) != napi_ok ||
      napi_get_value_uint32(env, argv[1], &port) != napi_ok || napi_get_value_bool(env, argv[2], &v6only) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &buffer_bytes) != napi_ok || napi_typeof(env, argv[4], &fn_type) != napi_ok ||
      fn_type != napi_function) {
    napi_throw_type_error(env, "EARG", "stoq-udp: open(host, port, v6only, bufferBytes, onEvent)");
    return NULL;
  }
  int family = strchr(host, ':') ? AF_INET6 : AF_INET;
  struct sockaddr_storage bind_addr;
  socklen_t bind_len = 0;
  if (make_addr(family, host, port, &bind_addr, &bind_len) != 0) {
    napi_throw_error(env, "EINVAL", "stoq-udp: not an IP address and port");
    return NULL;
  }
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  int one = 1, v6 = v6only ? 1 : 0, size = (int)buffer_bytes;
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6, sizeof v6);
  if (size > 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  if (bind(fd, (struct sockaddr *)&bind_addr, bind_len) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, e, "bind");
  }
  sock_t *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return throw_errno(env, ENOMEM, "open");
  }
  s->fd = fd;
  s->family = family;
  s->env = env;
  // GSO: the kernel knows UDP_SEGMENT (4.18+); a device that cannot do it is found at the first send (EIO).
  int seg = 0;
  socklen_t seg_len = sizeof seg;
  s->gso = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &seg, &seg_len) == 0;
  s->gro = setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
  uv_loop_t *loop = NULL;
  napi_value resource_name, handle;
  s->poll = calloc(1, sizeof *s->poll);
  if (!s->poll || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, s->poll, fd) != 0) {
    close(fd);
    free(s->poll);
    free(s);
    napi_throw_error(env, "EADDON", "stoq-udp: cannot watch the socket");
    return NULL;
  }
  s->poll->data = s;
  if (napi_create_reference(env, argv[4], 1, &s->on_event) != napi_ok ||
      napi_create_string_utf8(env, "StoqUdp", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, NULL, resource_name, &s->async) != napi_ok ||
      napi_create_external(env, s, finalize, NULL, &handle) != napi_ok) {
    close_sock(s);
    free(s);
    napi_throw_error(env, "EADDON", "stoq-udp: cannot make the handle");
    return NULL;
  }
  uv_poll_start(s->poll, UV_READABLE, on_poll);
  return handle;
}

// info(handle) -> { address, port, gso, gro }
static napi_value js_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out, v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = argc < 1 ? NULL : get_sock(env, argv[0]);
  if (!s) return NULL;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (!s->closed && getsockname(s->fd, (struct sockaddr *)&ss, &len) != 0) return throw_errno(env, errno, "getsockname");
  CHECK(napi_create_object(env, &out));
  if ((v = addr_string(env, &ss)) == NULL) return NULL;
  CHECK(napi_set_named_property(env, out, "address", v));
  CHECK(napi_create_uint32(env, addr_port(&ss), &v));
  CHECK(napi_set_named_property(env, out, "port", v));
  CHECK(napi_get_boolean(env, s->gso, &v));
  CHECK(napi_set_named_property(env, out, "gso", v));
  CHECK(napi_get_boolean(env, s->gro, &v));
  CHECK(napi_set_named_property(env, out, "gro", v));
  return out;
}

// sockaddr(handle, host, port) -> Buffer (the destination, reused for every send to it) or null if not an address
static napi_value js_sockaddr(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = argc < 3 ? NULL : get_sock(env, argv[0]);
  if (!s) return NULL;
  char host[INET6_ADDRSTRLEN + 32];
  size_t host_len = 0;
  uint32_t port = 0;
  struct sockaddr_storage ss;
  socklen_t len = 0;
  if (napi_get_value_string_utf8(env, argv[1], host, sizeof host, &host_len) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &port) != napi_ok || host_len >= sizeof host - 1 ||
      make_addr(s->family, host, port, &ss, &len) != 0) {
    CHECK(napi_get_null(env, &out));
    return out;
  }
  void *data = NULL;
  CHECK(napi_create_buffer_copy(env, len, &ss, &data, &out));
  return out;
}

// send(handle, buf, offset, len, seg, addr) -> bytes the kernel took (a multiple of seg unless all), or -errno when
// the batch is refused (it is then lost, as a datagram is). Fewer bytes than asked: the send buffer is full (EAGAIN);
// onEvent(2) follows once it has room.
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = argc < 6 ? NULL : get_sock(env, argv[0]);
  if (!s) return NULL;
  uint8_t *buf = NULL, *addr = NULL;
  size_t buf_len = 0, addr_len = 0;
  uint32_t off = 0, len = 0, seg = 0;
  if (napi_get_buffer_info(env, argv[1], (void **)&buf, &buf_len) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &off) != napi_ok || napi_get_value_uint32(env, argv[3], &len) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &seg) != napi_ok ||
      napi_get_buffer_info(env, argv[5], (void **)&addr, &addr_len) != napi_ok || (size_t)off + len > buf_len ||
      seg == 0 || len == 0 || addr_len < sizeof(sa_family_t) || addr_len > sizeof(struct sockaddr_storage)) {
    napi_throw_type_error(env, "EARG", "stoq-udp: send(handle, buf, offset, len, seg, addr)");
    return NULL;
  }
  if (s->closed) {
    CHECK(napi_create_int32(env, -EBADF, &out));
    return out;
  }
  uint8_t *data = buf + off;
  uint32_t count = (len + seg - 1) / seg;
  int64_t result = 0;
  if (s->gso && count > 1 && count <= MAX_MSGS) {
    struct iovec iov = {data, len};
    char control[CMSG_SPACE(sizeof(uint16_t))];
    memset(control, 0, sizeof control);
    struct msghdr msg = {0};
    msg.msg_name = addr;
    msg.msg_namelen = (socklen_t)addr_len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_UDP;
    cm->cmsg_type = UDP_SEGMENT;
    cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    uint16_t seg16 = (uint16_t)seg;
    memcpy(CMSG_DATA(cm), &seg16, sizeof seg16);
    ssize_t n;
    do n = sendmsg(s->fd, &msg, 0);
    while (n < 0 && errno == EINTR);
    if (n >= 0) result = len;
    else if (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP) s->gso = 0; // the device refuses: sendmmsg
    else if (errno == EAGAIN || errno == EWOULDBLOCK) result = 0;
    else result = -errno;
    if (n >= 0 || result != 0 || s->gso) goto done;
  }
  // sendmmsg, in chunks of MAX_MSGS; a partial send means the socket buffer is full.
  {
    uint32_t sent = 0;
    while (sent < count) {
      struct mmsghdr msgs[MAX_MSGS];
      struct iovec iovs[MAX_MSGS];
      uint32_t n = count - sent > MAX_MSGS ? MAX_MSGS : count - sent;
      memset(msgs, 0, sizeof(struct mmsghdr) * n);
      for (uint32_t i = 0; i < n; i++) {
        uint32_t at = (sent + i) * seg;
        iovs[i].iov_base = data + at;
        iovs[i].iov_len = len - at < seg ? len - at : seg;
        msgs[i].msg_hdr.msg_name = addr;
        msgs[i].msg_hdr.msg_namelen = (socklen_t)addr_len;
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int r;
      do r = sendmmsg(s->fd, msgs, n, 0);
      while (r < 0 && errno == EINTR);
      if (r < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && sent == 0) result = -errno;
        else result = (int64_t)sent * seg;
        goto done;
      }
      sent += (uint32_t)r;
      if ((uint32_t)r < n) break;
    }
    result = sent >= count ? len : (int64_t)sent * seg;
  }
done:
  if (result >= 0 && result < len && !s->want_writable) {
    s->want_writable = 1;
    update_poll(s);
  }
  CHECK(napi_create_int64(env, result, &out));
  return out;
}

// recv(handle, buf, slot, meta) -> messages read (0: none waiting, -errno: a socket error). Message i sits at
// buf[i * slot]; meta[4i..4i+3] = length (0: truncated, skip), GRO segment size, source port, 1 if its source is the
// previous message's (else ask address(handle, i)).
static napi_value js_recv(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = argc < 4 ? NULL : get_sock(env, argv[0]);
  if (!s) return NULL;
  uint8_t *buf = NULL;
  size_t buf_len = 0, meta_len = 0;
  uint32_t slot = 0;
  napi_typedarray_type ty;
  void *meta_data = NULL;
  napi_value ab;
  size_t byte_off = 0;
  if (napi_get_buffer_info(env, argv[1], (void **)&buf, &buf_len) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &slot) != napi_ok ||
      napi_get_typedarray_info(env, argv[3], &ty, &meta_len, &meta_data, &ab, &byte_off) != napi_ok ||
      ty != napi_uint32_array || slot == 0 || slot > buf_len) {
    napi_throw_type_error(env, "EARG", "stoq-udp: recv(handle, buf, slot, meta: Uint32Array)");
    return NULL;
  }
  uint32_t *meta = (uint32_t *)meta_data;
  size_t n = buf_len / slot;
  if (n > meta_len / 4) n = meta_len / 4;
  if (n > MAX_MSGS) n = MAX_MSGS;
  if (s->closed || n == 0) {
    CHECK(napi_create_int32(env, 0, &out));
    return out;
  }
  struct mmsghdr msgs[MAX_MSGS];
  struct iovec iovs[MAX_MSGS];
  char controls[MAX_MSGS][CMSG_SPACE(sizeof(int))];
  memset(msgs, 0, sizeof(struct mmsghdr) * n);
  for (size_t i = 0; i < n; i++) {
    iovs[i].iov_base = buf + i * slot;
    iovs[i].iov_len = slot;
    msgs[i].msg_hdr.msg_name = &s->src[i];
    msgs[i].msg_hdr.msg_namelen = sizeof s->src[i];
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_control = s->gro ? controls[i] : NULL;
    msgs[i].msg_hdr.msg_controllen = s->gro ? sizeof controls[i] : 0;
  }
  int r;
  do r = recvmmsg(s->fd, msgs, (unsigned)n, 0, NULL);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    CHECK(napi_create_int32(env, errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno, &out));
    return out;
  }
  for (int i = 0; i < r; i++) {
    struct msghdr *h = &msgs[i].msg_hdr;
    uint32_t len = msgs[i].msg_len;
    uint32_t seg = len;
    if (s->gro) {
      for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm)) {
        if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
          int gs = 0;
          memcpy(&gs, CMSG_DATA(cm), sizeof gs);
          if (gs > 0) seg = (uint32_t)gs;
        }
      }
    }
    socklen_t alen = h->msg_namelen;
    int same = alen == s->last_src_len && memcmp(&s->src[i], &s->last_src, alen) == 0;
    if (!same) {
      memcpy(&s->last_src, &s->src[i], alen);
      s->last_src_len = alen;
    }
    meta[4 * i] = (h->msg_flags & MSG_TRUNC) ? 0 : len;
    meta[4 * i + 1] = seg;
    meta[4 * i + 2] = addr_port(&s->src[i]);
    meta[4 * i + 3] = (uint32_t)same;
  }
  CHECK(napi_create_int32(env, r, &out));
  return out;
}

// address(handle, i) -> the source address of message i of the last recv
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = argc < 2 ? NULL : get_sock(env, argv[0]);
  if (!s) return NULL;
  uint32_t i = 0;
  if (napi_get_value_uint32(env, argv[1], &i) != napi_ok || i >= MAX_MSGS) {
    napi_throw_range_error(env, "EARG", "stoq-udp: address(handle, i < 64)");
    return NULL;
  }
  return addr_string(env, &s->src[i]);
}

// close(handle): stops watching and closes the socket; the handle's memory goes with the handle.
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  sock_t *s = argc < 1 ? NULL : get_sock(env, argv[0]);
  if (!s) return NULL;
  close_sock(s);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, js_info, NULL, NULL, NULL, napi_default, NULL},
      {"sockaddr", NULL, js_sockaddr, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"recv", NULL, js_recv, NULL, NULL, NULL, napi_default, NULL},
      {"address", NULL, js_address, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
