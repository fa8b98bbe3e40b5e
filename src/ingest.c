/* ingest.c - validate and insert the events sse-push is given. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "decimal.h"
#include "ingest.h"
#include "topic.h"
#include "validate.h"

void
ingest_init(struct ingest *in, struct store *store)
{
	memset(in, 0, sizeof(*in));
	in->store = store;
	jsonl_init(&in->json);
	buf_init(&in->data);
	pending_init(&in->pending);
}

void
ingest_release(struct ingest *in)
{
	jsonl_release(&in->json);
	buf_release(&in->data);
	pending_free(&in->pending);
}

static enum ingest_rc
invalid(struct ingest *in, const char *what, const char *why)
{
	snprintf(in->err, sizeof(in->err), "%s%s%s", what, *what ? ": " : "",
	    why);
	return INGEST_REFUSED;
}

/* The store's code rc as ours: its message goes to in->err. */
static enum ingest_rc
stored(struct ingest *in, int rc)
{
	if (rc == STORE_OK)
		return INGEST_OK;
	in->store_rc = rc;
	snprintf(in->err, sizeof(in->err), "%s", store_errmsg(in->store));
	return INGEST_FAILED;
}

static enum ingest_rc
out_of_memory(struct ingest *in)
{
	in->store_rc = STORE_ERR;
	snprintf(in->err, sizeof(in->err), "out of memory");
	return INGEST_FAILED;
}

/* A row is in, with its id. */
static void
got_id(struct ingest *in, int64_t id)
{
	in->last_id = id;
	in->rows++;
	if (in->on_id != NULL)
		in->on_id(in->on_id_ctx, id);
}

/* Send the rows held back. */
static enum ingest_rc
flush(struct ingest *in)
{
	struct pending *p = &in->pending;
	size_t i;
	int rc;

	if (p->n == 0)
		return INGEST_OK;
	rc = store_put_many(in->store, pending_events(p), p->n, p->ids);
	if (rc == STORE_OK)
		for (i = 0; i < p->n; i++)
			got_id(in, p->ids[i]);
	pending_clear(p);
	return stored(in, rc);
}

/* Insert e now, or hold it back to go in with others. */
static enum ingest_rc
put(struct ingest *in, const struct store_event *e)
{
	int64_t id;
	enum ingest_rc rc;

	if (!in->in_tx || !store_puts_many(in->store)) {
		if ((rc = stored(in, store_put(in->store, e, &id))) ==
		    INGEST_OK)
			got_id(in, id);
		return rc;
	}
	if (pending_add(&in->pending, e) == -1)
		return out_of_memory(in);
	return in->pending.n >= INGEST_PENDING_ROWS ? flush(in) : INGEST_OK;
}

enum ingest_rc
ingest_begin(struct ingest *in)
{
	int rc = store_begin(in->store);

	memset(in->prices, 0, sizeof(in->prices));
	pending_clear(&in->pending);
	in->in_tx = rc == STORE_OK;
	return stored(in, rc);
}

enum ingest_rc
ingest_commit(struct ingest *in)
{
	enum ingest_rc rc = flush(in);

	in->in_tx = 0;
	if (rc != INGEST_OK)
		return rc;
	return stored(in, store_commit(in->store));
}

void
ingest_rollback(struct ingest *in)
{
	in->in_tx = 0;
	pending_clear(&in->pending);
	store_rollback(in->store);
}

/* The slot for symbol in the price cache (FNV-1a, linear probing), or NULL
 * when the cache is off or full. */
static struct ingest_price *
price_slot(struct ingest *in, const char *symbol)
{
	uint32_t h = 2166136261u;
	const char *p;
	int i;

	if (!in->in_tx || strlen(symbol) >= sizeof(in->prices[0].symbol))
		return NULL;
	for (p = symbol; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (i = 0; i < INGEST_PRICE_SLOTS; i++) {
		struct ingest_price *e =
		    &in->prices[(h + (uint32_t)i) % INGEST_PRICE_SLOTS];
		if (e->symbol[0] == '\0' || strcmp(e->symbol, symbol) == 0)
			return e;
	}
	return NULL;
}

/* "null", or the change from prev to price in percent. */
static void
format_change(const char *prev, const char *price, char *out, size_t outsz)
{
	int64_t a, b;

	if (prev == NULL || decimal_parse(prev, &a) != NULL ||
	    decimal_parse(price, &b) != NULL ||
	    decimal_change_pct(a, b, out, outsz) == -1)
		snprintf(out, outsz, "null");
}

/* The change against the symbol's previous price, from the cache or the
 * table; the cache then holds this price. */
static enum ingest_rc
price_change(struct ingest *in, const char *symbol, const char *price,
    char *out, size_t outsz)
{
	struct ingest_price *slot = price_slot(in, symbol);
	char prev[32];
	int rc, found;

	if (slot != NULL && slot->symbol[0] != '\0')
		format_change(slot->price, price, out, outsz);
	/* The table answers for the rows before: send those held back. */
	else if (flush(in) != INGEST_OK)
		return INGEST_FAILED;
	else if ((rc = store_last_price(in->store, symbol, prev, sizeof(prev),
	    &found)) != STORE_OK)
		return stored(in, rc);
	else
		format_change(found ? prev : NULL, price, out, outsz);
	/* Remember it now: the insert that follows either lands or fails
	 * the whole transaction. */
	if (slot != NULL && strlen(price) < sizeof(slot->price)) {
		strcpy(slot->symbol, symbol);
		strcpy(slot->price, price);
	} else if (slot != NULL)
		slot->symbol[0] = '\0';
	return INGEST_OK;
}

/* Insert a validated price with its JSON. */
static enum ingest_rc
insert_price(struct ingest *in, const char *symbol, const char *price)
{
	char change[32], data[160], topic[8 + SYMBOL_MAX], *p;
	struct store_event e = { "price", symbol, price, NULL, 0, NULL, topic,
	    0 };
	enum ingest_rc rc;

	if ((rc = price_change(in, symbol, price, change, sizeof(change)))
	    != INGEST_OK)
		return rc;
	/* symbol and price are validated: no JSON escaping is needed. Built
	 * by hand: snprintf was a tenth of a batch's time. */
	if (strlen(symbol) + strlen(price) + strlen(change) + 40 > sizeof(data))
		return invalid(in, "", "price event too long");
	p = stpcpy(data, "{\"symbol\":\"");
	p = stpcpy(p, symbol);
	p = stpcpy(p, "\",\"price\":");
	p = stpcpy(p, price);
	p = stpcpy(p, ",\"change\":");
	p = stpcpy(p, change);
	p = stpcpy(p, "}");
	e.data = data;
	e.len = (size_t)(p - data);
	/* A symbol is a topic segment (validate_symbol() is stricter). */
	snprintf(topic, sizeof(topic), "prices/%s", symbol);
	return put(in, &e);
}

enum ingest_rc
ingest_price(struct ingest *in, const char *symbol, const char *price)
{
	const char *why;
	int64_t units;

	if ((why = validate_symbol(symbol)) != NULL)
		return invalid(in, "", why);
	if ((why = decimal_parse(price, &units)) != NULL)
		return invalid(in, "", why);
	if (in->check_only)
		return INGEST_OK;
	return insert_price(in, symbol, price);
}

/* The checks an event's route must pass; NULL if it does. */
static const char *
check_route(const struct ingest_route *r)
{
	const char *why;

	if (r->to != NULL && (why = validate_audience(r->to)) != NULL)
		return why;
	if (r->topic != NULL && (why = topic_check(r->topic)) != NULL)
		return why;
	if (r->closes && r->topic == NULL)
		return "only a topic can be closed: name one";
	return NULL;
}

/* data with CR and CRLF made LF, into in->data. */
static int
copy_lf(struct ingest *in, const char *data, size_t len)
{
	size_t i;

	buf_clear(&in->data);
	for (i = 0; i < len; i++) {
		char c = data[i];
		if (c == '\r') {
			c = '\n';
			if (i + 1 < len && data[i + 1] == '\n')
				i++;
		}
		if (buf_append(&in->data, &c, 1) == -1)
			return -1;
	}
	return 0;
}

enum ingest_rc
ingest_event(struct ingest *in, const char *event, const char *data,
    size_t len, const struct ingest_route *route)
{
	static const struct ingest_route nowhere;
	const struct ingest_route *r = route != NULL ? route : &nowhere;
	struct store_event e = { event, NULL, NULL, NULL, 0, r->to, r->topic,
	    r->closes };
	const char *why;

	if ((why = validate_event(event)) != NULL ||
	    (why = validate_data(data, len)) != NULL ||
	    (why = check_route(r)) != NULL)
		return invalid(in, "", why);
	if (in->check_only)
		return INGEST_OK;
	if (copy_lf(in, data, len) == -1)
		return out_of_memory(in);
	e.data = in->data.data ? in->data.data : "";
	e.len = in->data.len;
	return put(in, &e);
}

enum ingest_rc
ingest_close(struct ingest *in, const char *topic, const char *to)
{
	struct ingest_route r = { to, topic, 1 };

	return ingest_event(in, "close", "", 0, &r);
}

static const char *const json_keys[] = {
	"event", "data", "symbol", "price", "to", "topic", "close", NULL
};

/* A string value without a NUL inside, or absent; NULL means bad. */
static int
plain_string(const struct jsonl_pair *p)
{
	return p == NULL || (p->is_string && strlen(p->val) == p->val_len);
}

/* "close": true or false (absent: false); -1 if it is something else. */
static int
json_close(const struct jsonl_pair *p)
{
	if (p == NULL || (!p->is_string && strcmp(p->val, "false") == 0))
		return 0;
	return !p->is_string && strcmp(p->val, "true") == 0 ? 1 : -1;
}

static enum ingest_rc
json_price(struct ingest *in, const struct jsonl_pair *sym,
    const struct jsonl_pair *price)
{
	const struct jsonl_pair *ev = jsonl_get(&in->json, "event");

	if (sym == NULL || price == NULL || !sym->is_string)
		return invalid(in, "bad JSON", "a price needs \"symbol\" "
		    "(a string) and \"price\"");
	if (jsonl_get(&in->json, "data") != NULL ||
	    (ev != NULL && strcmp(ev->val, "price")))
		return invalid(in, "bad JSON", "a price takes no "
		    "\"data\" and no other event name");
	if (jsonl_get(&in->json, "to") != NULL)
		return invalid(in, "bad JSON", "prices are public: "
		    "\"to\" is for other events");
	if (jsonl_get(&in->json, "topic") != NULL ||
	    jsonl_get(&in->json, "close") != NULL)
		return invalid(in, "bad JSON", "a price's topic is "
		    "prices/SYMBOL: \"topic\" and \"close\" are for other "
		    "events");
	return ingest_price(in, sym->val, price->val);
}

static enum ingest_rc
json_line(struct ingest *in, const char *line, size_t len)
{
	const struct jsonl_pair *ev, *data, *sym, *price, *to, *topic;
	struct ingest_route r;
	const char *why;
	int i, k;

	if ((why = jsonl_parse(&in->json, line, len)) != NULL)
		return invalid(in, "bad JSON", why);
	for (i = 0; i < in->json.n; i++) {
		for (k = 0; json_keys[k] != NULL; k++)
			if (strcmp(in->json.pair[i].key, json_keys[k]) == 0)
				break;
		if (json_keys[k] == NULL)
			return invalid(in, "bad JSON", "unknown key (use event, "
			    "data, symbol, price, to, topic, close)");
	}
	ev = jsonl_get(&in->json, "event");
	data = jsonl_get(&in->json, "data");
	sym = jsonl_get(&in->json, "symbol");
	price = jsonl_get(&in->json, "price");
	to = jsonl_get(&in->json, "to");
	topic = jsonl_get(&in->json, "topic");
	if (!plain_string(to))
		return invalid(in, "bad JSON", "\"to\" must be a string");
	if (!plain_string(topic))
		return invalid(in, "bad JSON", "\"topic\" must be a string");
	if (ev != NULL && !ev->is_string)
		return invalid(in, "bad JSON", "event must be a string");
	if (sym != NULL || price != NULL)
		return json_price(in, sym, price);
	r.to = to != NULL ? to->val : NULL;
	r.topic = topic != NULL ? topic->val : in->topic;
	if ((r.closes = json_close(jsonl_get(&in->json, "close"))) == -1)
		return invalid(in, "bad JSON", "\"close\" must be true or "
		    "false");
	if (ev == NULL && data == NULL && r.closes)
		return ingest_close(in, r.topic, r.to);
	if (ev == NULL || data == NULL || !data->is_string)
		return invalid(in, "bad JSON", "an event needs \"event\" and "
		    "\"data\" (strings)");
	if (strlen(ev->val) != ev->val_len)
		return invalid(in, "", "event name holds a NUL byte");
	return ingest_event(in, ev->val, data->val, data->val_len, &r);
}

enum ingest_rc
ingest_line(struct ingest *in, const char *line, size_t len)
{
	char sym[SYMBOL_MAX + 2], price[32];
	size_t i, a, b, c, d;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len || line[i] == '#')
		return INGEST_OK;
	if (memchr(line, '\0', len) != NULL)
		return invalid(in, "", "line holds a NUL byte");
	if (line[i] == '{')
		return json_line(in, line + i, len - i);
	/* SYMBOL PRICE, separated by blanks. */
	for (a = i; i < len && line[i] != ' ' && line[i] != '\t'; i++)
		;
	b = i;
	for (; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	for (c = i; i < len && line[i] != ' ' && line[i] != '\t'; i++)
		;
	d = i;
	for (; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (c == d || i != len)
		return invalid(in, "", "expected SYMBOL PRICE or a JSON object");
	if (b - a >= sizeof(sym))
		return invalid(in, "", "symbol is longer than 16 bytes");
	if (d - c >= sizeof(price))
		return invalid(in, "", "price is too long");
	memcpy(sym, line + a, b - a);
	sym[b - a] = '\0';
	memcpy(price, line + c, d - c);
	price[d - c] = '\0';
	return ingest_price(in, sym, price);
}
