/*
 * bench/gen.c - seeded, fast generator of a realistic application log.
 *
 *   bench/gen SIZE [SEED] > file      SIZE in bytes, or with K/M/G suffix (binary)
 *
 * Output is exactly SIZE bytes and ends with '\n' (the last record is cut
 * short if needed). It is deterministic for a given seed, and a smaller size
 * is a prefix of a larger one (except for the cut last line), so a 10 MiB
 * file has its first ERROR at the same offset as a 1 GiB one.
 *
 * Mix of records (not counting stack-trace lines): ~80% INFO (mostly HTTP
 * access lines), ~12% DEBUG, ~5% WARN, ~1% ERROR, plus Java stack traces
 * after some ERROR records. ~0.5% of lines contain "timeout" in varied case,
 * ~0.4% have status=5xx, latency_ms is 1..999 except ~3% >= 1000.
 * Average line is ~125 bytes. No rand(): splitmix64 only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_SEED 42u
#define BUF_CAP (4u << 20)
#define REC_MAX 8192u /* a record (with its stack trace) is always shorter */

static uint64_t rng_state;

static inline uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* uniform in [0, n) (Lemire's multiply-shift, bias negligible here) */
static inline uint32_t rnd(uint32_t n)
{
	return (uint32_t)(((rnd64() >> 32) * (uint64_t)n) >> 32);
}

/* uniform in [lo, hi] */
static inline uint32_t rnd_range(uint32_t lo, uint32_t hi)
{
	return lo + rnd(hi - lo + 1);
}

/* ---- tiny writers: p is the cursor, each returns the new cursor ---- */

static inline char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}
#define PUTS(p, lit) put((p), (lit), sizeof(lit) - 1)

static inline char *puts0(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static inline char *putu(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static inline char *put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

static inline char *put3(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 100);
	p[1] = (char)('0' + v / 10 % 10);
	p[2] = (char)('0' + v % 10);
	return p + 3;
}

static inline char *puthex(char *p, uint64_t v, int digits)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = digits - 1; i >= 0; i--) {
		p[i] = hx[v & 15];
		v >>= 4;
	}
	return p + digits;
}

#define PICK(arr) (arr[rnd((uint32_t)(sizeof(arr) / sizeof(arr[0])))])

/* ---- vocabulary ---- */

static const char *const user_agents[] = {
	"curl/8.1.2",
	"Mozilla/5.0 Firefox/126.0",
	"okhttp/4.12.0",
	"python-requests/2.31.0",
	"Go-http-client/2.0",
	"kube-probe/1.29",
	"Java/17.0.9",
	"Mozilla/5.0 Safari/605.1.15",
};

static const char *const search_terms[] = {
	"laptop", "usb-c+cable", "coffee", "running+shoes", "monitor", "desk+lamp",
	"headphones", "backpack",
};

static const char *const services[] = {
	"inventory-svc", "payment-svc", "pricing-svc", "auth-svc", "shipping-svc",
};

static const char *const threads[] = {
	"[scheduler-1]", "[main]", "[pool-2-thread-7]", "[kafka-consumer-0]", "[http-nio-8080-exec-4]",
};

static const char *const timeout_words[] = {
	"timeout", "Timeout", "TIMEOUT", "TimeOut", "timeOut",
};

struct frame {
	const char *cls, *meth, *file;
};

static const struct frame app_frames[] = {
	{ "com.example.service.OrderService", "placeOrder", "OrderService.java" },
	{ "com.example.service.OrderService", "validate", "OrderService.java" },
	{ "com.example.service.UserService", "findById", "UserService.java" },
	{ "com.example.repository.OrderRepository", "save", "OrderRepository.java" },
	{ "com.example.client.InventoryClient", "reserve", "InventoryClient.java" },
	{ "com.example.client.PaymentClient", "charge", "PaymentClient.java" },
	{ "com.example.api.OrderController", "create", "OrderController.java" },
	{ "com.example.api.UserController", "get", "UserController.java" },
};

static const struct frame fw_frames[] = {
	{ "org.springframework.web.servlet.FrameworkServlet", "service", "FrameworkServlet.java" },
	{ "org.springframework.web.servlet.DispatcherServlet", "doDispatch", "DispatcherServlet.java" },
	{ "jakarta.servlet.http.HttpServlet", "service", "HttpServlet.java" },
	{ "org.apache.catalina.core.ApplicationFilterChain", "doFilter", "ApplicationFilterChain.java" },
	{ "org.apache.tomcat.util.threads.ThreadPoolExecutor", "runWorker", "ThreadPoolExecutor.java" },
	{ "java.lang.Thread", "run", "Thread.java" },
};

static const char *const exceptions[] = {
	"java.lang.NullPointerException: Cannot invoke \"com.example.model.User.getId()\" because \"user\" is null",
	"java.lang.IllegalStateException: Order already finalized",
	"java.lang.IllegalArgumentException: quantity must be positive",
	"java.util.ConcurrentModificationException",
	"java.io.UncheckedIOException: java.io.IOException: Broken pipe",
	"java.lang.ArrayIndexOutOfBoundsException: Index 3 out of bounds for length 3",
};

static const char *const causes[] = {
	"java.io.IOException: Connection reset by peer",
	"java.sql.SQLException: Deadlock found when trying to get lock",
	"java.lang.NumberFormatException: For input string: \"abc\"",
};

/* ---- timestamp ---- */

static uint64_t now_ms; /* ms since 2024-06-01T00:00:00.000Z */

static char *put_ts(char *p)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t t = now_ms;
	unsigned ms = (unsigned)(t % 1000);
	t /= 1000;
	unsigned s = (unsigned)(t % 60);
	t /= 60;
	unsigned mi = (unsigned)(t % 60);
	t /= 60;
	unsigned h = (unsigned)(t % 24);
	unsigned d = (unsigned)(t / 24); /* days since June 1st */
	unsigned mon = 5, year = 2024;
	while (d >= mdays[mon]) {
		d -= mdays[mon];
		if (++mon == 12) {
			mon = 0;
			year++;
		}
	}
	p = putu(p, year);
	*p++ = '-';
	p = put2(p, mon + 1);
	*p++ = '-';
	p = put2(p, d + 1);
	*p++ = 'T';
	p = put2(p, h);
	*p++ = ':';
	p = put2(p, mi);
	*p++ = ':';
	p = put2(p, s);
	*p++ = '.';
	p = put3(p, ms);
	return PUTS(p, "Z ");
}

static char *put_worker(char *p)
{
	if (rnd(10) < 9) {
		p = PUTS(p, "[worker-");
		p = putu(p, rnd_range(1, 16));
		return PUTS(p, "] ");
	}
	p = puts0(p, PICK(threads));
	*p++ = ' ';
	return p;
}

static uint32_t latency_normal(void)
{
	uint32_t r = rnd(100);
	if (r < 60)
		return rnd_range(1, 50);
	if (r < 90)
		return rnd_range(51, 300);
	return rnd_range(301, 999);
}

static char *put_method_path(char *p)
{
	uint32_t m = rnd(100);
	const char *meth = m < 70 ? "GET " : m < 88 ? "POST " : m < 94 ? "PUT " : m < 97 ? "DELETE " : "PATCH ";
	p = puts0(p, meth);
	switch (rnd(10)) {
	case 0:
	case 1:
		p = PUTS(p, "/api/users/");
		return putu(p, rnd_range(1, 99999));
	case 2:
	case 3:
		p = PUTS(p, "/api/orders/");
		p = putu(p, rnd_range(100000, 999999));
		if (rnd(8) == 0)
			p = PUTS(p, "/items");
		return p;
	case 4:
		p = PUTS(p, "/api/products/");
		return putu(p, rnd_range(1, 20000));
	case 5:
		p = PUTS(p, "/api/search?q=");
		p = puts0(p, PICK(search_terms));
		p = PUTS(p, "&page=");
		return putu(p, rnd_range(1, 9));
	case 6:
		return PUTS(p, "/health");
	case 7:
		p = PUTS(p, "/api/v2/carts/");
		p = puthex(p, rnd64(), 8);
		return PUTS(p, "/checkout");
	case 8:
		p = PUTS(p, "/api/inventory/SKU-");
		return putu(p, rnd_range(10000, 99999));
	default:
		p = PUTS(p, "/static/app.");
		p = puthex(p, rnd64(), 8);
		return PUTS(p, ".js");
	}
}

/* method path status=S latency_ms=L bytes=B req=R ua="..." */
static char *put_access(char *p, unsigned status, uint32_t lat)
{
	p = put_method_path(p);
	p = PUTS(p, " status=");
	p = putu(p, status);
	p = PUTS(p, " latency_ms=");
	p = putu(p, lat);
	p = PUTS(p, " bytes=");
	p = putu(p, status == 204 || status == 304 ? 0 : rnd_range(80, 65535));
	if (status >= 400) {
		p = PUTS(p, " req=");
		p = puthex(p, rnd64(), 12);
	}
	p = PUTS(p, " ua=\"");
	p = puts0(p, PICK(user_agents));
	*p++ = '"';
	return p;
}

static unsigned info_status(void)
{
	uint32_t r = rnd(1000);
	if (r < 780)
		return 200;
	if (r < 840)
		return 201;
	if (r < 880)
		return 204;
	if (r < 930)
		return 304;
	if (r < 940)
		return 301;
	if (r < 960)
		return 400;
	if (r < 975)
		return 401;
	if (r < 980)
		return 403;
	return 404;
}

static char *put_trace(char *p)
{
	p = puts0(p, PICK(exceptions));
	*p++ = '\n';
	unsigned napp = rnd_range(2, 5), nfw = rnd_range(2, 4);
	for (unsigned i = 0; i < napp + nfw; i++) {
		const struct frame *f = i < napp ? &PICK(app_frames) : &fw_frames[i - napp + (unsigned)(sizeof(fw_frames) / sizeof(fw_frames[0])) - nfw];
		p = PUTS(p, "\tat ");
		p = puts0(p, f->cls);
		*p++ = '.';
		p = puts0(p, f->meth);
		*p++ = '(';
		p = puts0(p, f->file);
		*p++ = ':';
		p = putu(p, rnd_range(20, 1500));
		p = PUTS(p, ")\n");
	}
	if (rnd(2)) {
		p = PUTS(p, "Caused by: ");
		p = puts0(p, PICK(causes));
		*p++ = '\n';
		unsigned n = rnd_range(1, 3);
		for (unsigned i = 0; i < n; i++) {
			const struct frame *f = &PICK(app_frames);
			p = PUTS(p, "\tat ");
			p = puts0(p, f->cls);
			*p++ = '.';
			p = puts0(p, f->meth);
			*p++ = '(';
			p = puts0(p, f->file);
			*p++ = ':';
			p = putu(p, rnd_range(20, 1500));
			p = PUTS(p, ")\n");
		}
		p = PUTS(p, "\t... ");
		p = putu(p, rnd_range(20, 60));
		p = PUTS(p, " more\n");
	}
	return p;
}

/* one record (a line, or an ERROR line plus its stack trace), '\n'-terminated */
static char *gen_record(char *p)
{
	now_ms += rnd(4);
	p = put_ts(p);
	uint32_t r = rnd(1000);

	if (r < 800) { /* INFO */
		p = PUTS(p, "INFO  ");
		p = put_worker(p);
		uint32_t k = rnd(100);
		if (k < 86) {
			uint32_t lat = rnd(1000) < 14 ? rnd_range(1000, 30000) : latency_normal();
			p = put_access(p, info_status(), lat);
		} else if (k < 91) {
			p = PUTS(p, "c.e.scheduler.ReportJob - Job report-");
			p = putu(p, rnd_range(1, 40));
			p = PUTS(p, " completed in ");
			p = putu(p, rnd_range(5, 4000));
			p = PUTS(p, " ms records=");
			p = putu(p, rnd_range(0, 100000));
		} else if (k < 96) {
			p = PUTS(p, "c.e.auth.LoginHandler - user login succeeded user_id=");
			p = putu(p, rnd_range(1, 99999));
			p = PUTS(p, " method=");
			p = puts0(p, rnd(3) ? "password" : "oauth2");
			p = PUTS(p, " ip=10.");
			p = putu(p, rnd(256));
			*p++ = '.';
			p = putu(p, rnd(256));
			*p++ = '.';
			p = putu(p, rnd(256));
		} else {
			p = PUTS(p, "c.e.cache.CacheManager - cache refresh done region=");
			p = puts0(p, rnd(2) ? "products" : "prices");
			p = PUTS(p, " entries=");
			p = putu(p, rnd_range(100, 50000));
			p = PUTS(p, " evicted=");
			p = putu(p, rnd(500));
		}
	} else if (r < 920) { /* DEBUG */
		p = PUTS(p, "DEBUG ");
		p = put_worker(p);
		switch (rnd(4)) {
		case 0:
			p = PUTS(p, "c.e.db.Pool - acquired connection id=");
			p = putu(p, rnd_range(1, 50));
			p = PUTS(p, " wait_us=");
			p = putu(p, rnd_range(3, 900));
			p = PUTS(p, " active=");
			p = putu(p, rnd_range(1, 50));
			break;
		case 1:
			p = PUTS(p, "c.e.cache.CacheManager - cache ");
			p = puts0(p, rnd(4) ? "hit" : "miss");
			p = PUTS(p, " key=user:");
			p = putu(p, rnd_range(1, 99999));
			p = PUTS(p, " ttl_s=");
			p = putu(p, rnd_range(1, 3600));
			break;
		case 2:
			p = PUTS(p, "c.e.repo.UserRepository - SELECT * FROM users WHERE id = ? [");
			p = putu(p, rnd_range(1, 99999));
			p = PUTS(p, "] rows=1 took_ms=");
			p = putu(p, rnd_range(1, 40));
			break;
		default:
			p = PUTS(p, "c.e.client.HttpClient - GET http://");
			p = puts0(p, PICK(services));
			p = PUTS(p, ":8080/v1/stock/SKU-");
			p = putu(p, rnd_range(10000, 99999));
			p = PUTS(p, " -> 200 in ");
			p = putu(p, rnd_range(1, 200));
			p = PUTS(p, " ms");
			break;
		}
	} else if (r < 970) { /* WARN */
		p = PUTS(p, "WARN  ");
		p = put_worker(p);
		uint32_t k = rnd(100);
		if (k < 4) {
			p = PUTS(p, "c.e.client.HttpClient - request to ");
			p = puts0(p, PICK(services));
			p = PUTS(p, " failed after ");
			p = puts0(p, PICK(timeout_words));
			p = PUTS(p, ", retrying attempt=");
			p = putu(p, rnd_range(1, 3));
			p = PUTS(p, "/3 backoff_ms=");
			p = putu(p, rnd_range(50, 800));
		} else if (k < 7) {
			unsigned st = rnd(2) ? 503 : 502;
			p = put_access(p, st, rnd(2) ? rnd_range(1000, 9000) : latency_normal());
		} else if (k < 50) {
			p = put_access(p, info_status(), rnd_range(1000, 12000));
			p = PUTS(p, " slow_request=true");
		} else if (k < 75) {
			p = PUTS(p, "c.z.h.pool.HikariPool - Connection pool nearly exhausted active=");
			p = putu(p, rnd_range(45, 50));
			p = PUTS(p, " idle=0 max=50 waiting=");
			p = putu(p, rnd_range(1, 30));
		} else {
			p = PUTS(p, "c.e.api.LegacyController - Deprecated API /api/v1/");
			p = puts0(p, rnd(2) ? "orders" : "users");
			p = PUTS(p, " called by client=");
			p = puts0(p, PICK(user_agents));
		}
	} else if (r < 980) { /* ERROR */
		p = PUTS(p, "ERROR ");
		p = put_worker(p);
		uint32_t k = rnd(100);
		if (k < 28) {
			static const unsigned st5[] = { 500, 500, 502, 503, 504 };
			unsigned st = PICK(st5);
			p = put_access(p, st, rnd(5) < 2 ? rnd_range(1000, 30000) : latency_normal());
		} else if (k < 58) {
			p = PUTS(p, "c.e.client.HttpClient - Timeout waiting for upstream ");
			p = puts0(p, PICK(services));
			p = PUTS(p, " after ");
			p = putu(p, rnd_range(1, 6) * 1000);
			p = PUTS(p, " ms req=");
			p = puthex(p, rnd64(), 16);
		} else {
			p = PUTS(p, "c.e.api.ErrorHandler - Unhandled exception processing request req=");
			p = puthex(p, rnd64(), 16);
			if (rnd(2)) {
				*p++ = '\n';
				return put_trace(p);
			}
		}
	} else { /* more INFO: misc app lines, keeps INFO ~80% */
		p = PUTS(p, "INFO  ");
		p = put_worker(p);
		p = PUTS(p, "c.e.events.OrderEvents - published event=OrderCreated order_id=");
		p = putu(p, rnd_range(100000, 999999));
		p = PUTS(p, " partition=");
		p = putu(p, rnd(12));
		p = PUTS(p, " offset=");
		p = putu(p, rnd_range(1, 99999999));
	}
	*p++ = '\n';
	return p;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		goto bad;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end)
		goto bad;
	return v;
bad:
	fprintf(stderr, "gen: bad size '%s'\n", s);
	exit(2);
}

static void write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(1, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("gen: write");
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s SIZE[K|M|G] [SEED] > file\n", argv[0]);
		return 2;
	}
	uint64_t size = parse_size(argv[1]);
	uint64_t seed = argc == 3 ? strtoull(argv[2], NULL, 0) : DEFAULT_SEED;
	rng_state = seed * 0xD1B54A32D192ED03ull + 0x2545F4914F6CDD1Dull;
	now_ms = 12ull * 3600 * 1000; /* 2024-06-01T12:00:00.000Z */

	char *buf = malloc(BUF_CAP + REC_MAX);
	if (!buf) {
		perror("gen: malloc");
		return 1;
	}
	uint64_t left = size; /* bytes still to emit (not yet in buf) */
	char *p = buf;
	while (left) {
		char *q = gen_record(p);
		uint64_t n = (uint64_t)(q - p);
		if (n >= left) { /* last record: cut it to fit, keep a final '\n' */
			p += left;
			p[-1] = '\n';
			left = 0;
		} else {
			p = q;
			left -= n;
		}
		if ((size_t)(p - buf) >= BUF_CAP || !left) {
			write_all(buf, (size_t)(p - buf));
			p = buf;
		}
	}
	free(buf);
	return 0;
}
