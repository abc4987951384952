/* Internals shared by the ground*.c files; not part of the library's API. */
#ifndef ANN_GROUND_INT_H
#define ANN_GROUND_INT_H

#include <stdint.h>

#include "ground.h"

/* Normalised code points, each with the original code points it came from. */
struct ground_cpvec {
	uint32_t *cp;
	size_t *start;  /* first original code point */
	size_t *end;    /* one past the last original code point */
	size_t n, cap;
	int space;      /* white space seen and not yet written */
	size_t space_start, space_end;
};

struct ground_word {
	size_t start, end;       /* original code points */
	size_t box_off, box_len; /* JSON text of the box in boxes; 0 length: none */
};

/* A number or a date written in the source, by normalised code points. */
struct ground_num {
	double value;
	size_t start, end;
};

struct ground_date {
	char iso[11];
	size_t start, end;
};

struct ann_ground {
	struct ann_ground_opts o;
	char **patterns;          /* exempt pointers */
	size_t n_patterns, cap_patterns;

	struct ann_buf orig;      /* original source text */
	size_t *orig_off;         /* byte offset of each original code point, n_orig + 1 */
	size_t n_orig, cap_orig;
	struct ground_cpvec src;  /* normalised source */
	struct ann_buf utf8;      /* normalised source as UTF-8 */
	size_t *utf8_off;         /* byte offset of each normalised code point, n + 1 */
	size_t cap_utf8;
	struct ground_word *words;
	size_t n_words, cap_words;
	struct ann_buf boxes;

	struct ground_num *nums;
	size_t n_nums, cap_nums;
	struct ground_date *dates;
	size_t n_dates, cap_dates;
	int dates_built;

	struct ground_cpvec val;  /* the value being searched, normalised */
	unsigned *dp;             /* search columns */
	size_t cap_dp;
	struct ann_buf scratch, path, tmp;
	struct ann_jsonv_doc doc;
};

int ground_cpvec_push(struct ground_cpvec *v, uint32_t cp, size_t start, size_t end);
void ground_cpvec_reset(struct ground_cpvec *v);
void ground_cpvec_release(struct ground_cpvec *v);
int ground_is_space(uint32_t c);
int ground_normalise(struct ground_cpvec *v, struct ann_buf *scratch, const char *s, size_t n,
    size_t base);
int ground_add_pattern(struct ann_ground *g, const char *p, size_t n);
int ground_index_numbers(struct ann_ground *g);
int ground_index_dates(struct ann_ground *g);
int ground_schema_derived(struct ann_ground *g, const char *path, struct ann_error *e);

#endif
