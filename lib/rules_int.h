/* Internals shared by the rules*.c files; not part of the library's API. */
#ifndef ANN_RULES_INT_H
#define ANN_RULES_INT_H

#include <stddef.h>

#include "buf.h"
#include "jsonv.h"
#include "rules.h"

/* An exact decimal: m * 10^-scale. */
struct rdec {
	__int128 m;
	int scale;
};

#define RDEC_MAX_SCALE 24

/* Conversions and arithmetic return 0, or -1 on overflow or a value out of range. */
int rdec_from_decnum(struct rdec *d, const struct ann_decnum *n);
int rdec_from_text(struct rdec *d, const char *s);
int rdec_add(struct rdec *r, const struct rdec *a, const struct rdec *b);
int rdec_sub(struct rdec *r, const struct rdec *a, const struct rdec *b);
int rdec_mul(struct rdec *r, const struct rdec *a, const struct rdec *b);
int rdec_cmp(const struct rdec *a, const struct rdec *b);

enum rdec_mode {
	RDEC_FLOOR,
	RDEC_CEIL,
	RDEC_ROUND,      /* half away from zero */
	RDEC_HALF_EVEN,
	RDEC_TRUNCATE,   /* toward zero */
};

/* Rounds a to a multiple of unit (unit > 0). */
int rdec_round(struct rdec *r, const struct rdec *a, const struct rdec *unit, enum rdec_mode mode);

/* Appends a in plain decimal form, without trailing fraction zeros. */
int rdec_format(struct ann_buf *b, const struct rdec *a);

#endif

/* The rule set and the evaluation state; see rules.c and rules_eval.c. */

#define RULES_MAX_BINDINGS 16

struct rules_regex {
	const struct ann_jsonv *node;  /* the "matches" condition */
	void *code;                    /* pcre2_code_8 */
};

struct rules_binding {
	const char *name;
	size_t name_len;
	const struct ann_jsonv *value;  /* NULL while only rendering */
	struct ann_buf path;            /* instance location of value */
};

struct ann_rules {
	char *name;                     /* file name for messages */
	struct ann_jsonv_doc doc;
	const struct ann_jsonv *list;   /* the "rules" array */
	struct rules_regex *regexes;
	size_t n_regexes;
	void *match_data;               /* pcre2_match_data_8 */

	/* per check */
	const struct ann_jsonv *root;
	struct rules_binding b[RULES_MAX_BINDINGS];
	size_t nb;
	struct ann_buf loc;             /* location of the failing comparison */
	struct ann_buf msg;             /* what failed */
	struct ann_buf tmp;
	int nomem;
};

enum tri { TRI_FALSE = 0, TRI_TRUE = 1, TRI_UNKNOWN = 2 };

/* Structure checks at load time; 0 or ANN_ERR_CONFIG with *e naming loc. */
int rules_check_cond(struct ann_rules *r, const struct ann_jsonv *c, struct ann_buf *loc,
    struct ann_error *e);
int rules_check_for_each(const struct ann_jsonv *f, struct ann_buf *loc, struct ann_error *e);

/* Evaluation of a condition against r->root with r's bindings. */
enum tri rules_eval_cond(struct ann_rules *r, const struct ann_jsonv *c);

/* Binds the one variable of a "for_each" object to each element in turn. */
int rules_bind_push(struct ann_rules *r, const struct ann_jsonv *for_each, const char **name,
    size_t *name_len, const struct ann_jsonv **array);
