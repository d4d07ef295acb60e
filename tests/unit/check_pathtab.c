/* check_pathtab.c - the caches' path table: where a path lies against a
 * folder ("/a/bc" is not in "/a/b"), insert, find and remove, full hash
 * collisions and growth from one bucket, the bound and the order of
 * eviction, removing and renaming subtrees, paths that no longer fit
 * after a rename, and a file's subtree known empty without a walk.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftps_limits.h"
#include "pathtab.h"

/* What a cache keeps per path: the node first. */
struct item {
	struct ftps_pt_node node;
	int id;
};

/* The paths dropped so far, in order, each followed by a space. */
static char dropped[4096];

static void drop_item(void *arg, struct ftps_pt_node *n)
{
	size_t used = strlen(dropped);

	ck_assert_ptr_null(arg);
	snprintf(dropped + used, sizeof(dropped) - used, "%s ", n->path);
	free(n);
}

static void mk(struct ftps_pathtab *t, size_t buckets, size_t max)
{
	dropped[0] = '\0';
	ck_assert_int_eq(ftps_pt_init(t, buckets, max, drop_item, NULL), 0);
}

static struct item *add(struct ftps_pathtab *t, const char *p)
{
	struct item *it = calloc(1, sizeof(*it));

	ck_assert_ptr_nonnull(it);
	ck_assert_ptr_null(ftps_pt_find(t, p, strlen(p)));
	ck_assert_int_eq(ftps_pt_insert(t, &it->node, p, strlen(p)), 0);
	return it;
}

static int has(const struct ftps_pathtab *t, const char *p)
{
	struct ftps_pt_node *n = ftps_pt_find(t, p, strlen(p));

	return n && strcmp(n->path, p) == 0;
}

/* The paths from the newest to the oldest, each followed by a space. */
static const char *order(const struct ftps_pathtab *t)
{
	static char buf[4096];
	size_t used = 0;

	buf[0] = '\0';
	for (const struct ftps_pt_node *n = t->front; n; n = n->older)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s ", n->path);
	return buf;
}

static void add_all(struct ftps_pathtab *t, const char *const *paths)
{
	for (; *paths; paths++)
		add(t, *paths);
}

/* ---- tests ---- */

START_TEST(within)
{
	ck_assert_uint_eq(ftps_path_within("/a/b", 4, "/a/b", 4), FTPS_PATH_SAME);
	ck_assert_uint_eq(ftps_path_within("/a/b/c", 6, "/a/b", 4), FTPS_PATH_BELOW);
	ck_assert_uint_eq(ftps_path_within("/a/b/c/d", 8, "/a/b", 4), FTPS_PATH_BELOW);
	ck_assert_uint_eq(ftps_path_within("/a/bc", 5, "/a/b", 4), 0);
	ck_assert_uint_eq(ftps_path_within("/a/bc/d", 7, "/a/b", 4), 0);
	ck_assert_uint_eq(ftps_path_within("/a", 2, "/a/b", 4), 0);
	ck_assert_uint_eq(ftps_path_within("/b", 2, "/a", 2), 0);
	ck_assert_uint_eq(ftps_path_within("/", 1, "/", 1), FTPS_PATH_SAME);
	ck_assert_uint_eq(ftps_path_within("/x", 2, "/", 1), FTPS_PATH_BELOW);
	ck_assert_uint_eq(ftps_path_within("/x/y", 4, "/", 1), FTPS_PATH_BELOW);
	ck_assert_uint_eq(ftps_path_within("/", 1, "/x", 2), 0);
}
END_TEST

START_TEST(insert_find_remove)
{
	struct ftps_pathtab t;
	struct item *a, *b;

	mk(&t, 4, 100);
	a = add(&t, "/a");
	b = add(&t, "/a/b");
	a->id = 1;
	b->id = 2;
	ck_assert_uint_eq(t.n, 2);
	ck_assert_ptr_eq(ftps_pt_find(&t, "/a", 2), &a->node);
	ck_assert_ptr_eq(ftps_pt_find(&t, "/a/b", 4), &b->node);
	/* the length counts, not a NUL: "/a/b" cut after 2 bytes is "/a" */
	ck_assert_ptr_eq(ftps_pt_find(&t, "/a/b", 2), &a->node);
	ck_assert_ptr_null(ftps_pt_find(&t, "/a/c", 4));
	ck_assert_ptr_null(ftps_pt_find(&t, "/", 1));
	ck_assert_int_eq(((struct item *)(void *)ftps_pt_find(&t, "/a/b", 4))->id, 2);
	ck_assert_str_eq(order(&t), "/a/b /a ");
	ftps_pt_remove(&t, &a->node);
	ck_assert_str_eq(dropped, "/a ");
	ck_assert_ptr_null(ftps_pt_find(&t, "/a", 2));
	ck_assert(has(&t, "/a/b"));
	ck_assert_uint_eq(t.n, 1);
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
	ck_assert_str_eq(dropped, "/a /a/b ");
}
END_TEST

/* Two paths with the same 32-bit hash (found by a search over
 * "/d/" + six hex digits) are still two keys. */
START_TEST(full_hash_collision)
{
	const char *p1 = "/d/ba69f6", *p2 = "/d/e21f35";
	struct ftps_pathtab t;

	ck_assert_uint_eq(ftps_path_hash(p1, strlen(p1)), 0x04b42e33u);
	ck_assert_uint_eq(ftps_path_hash(p2, strlen(p2)), 0x04b42e33u);
	mk(&t, 1, 100);
	add(&t, p1);
	ck_assert(!has(&t, p2));
	add(&t, p2);
	ck_assert(has(&t, p1));
	ck_assert(has(&t, p2));
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_remove_under(&t, p1, strlen(p1), FTPS_PATH_SAME);
	ck_assert(!has(&t, p1));
	ck_assert(has(&t, p2));
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
}
END_TEST

/* From one bucket up: every path stays findable as the table grows. */
START_TEST(growth)
{
	struct ftps_pathtab t;
	char p[32];

	mk(&t, 1, 100000);
	for (int i = 0; i < 3000; i++) {
		snprintf(p, sizeof(p), "/d%d/f", i);
		add(&t, p);
	}
	ck_assert_uint_eq(t.n, 3000);
	ck_assert_uint_ge(t.nb, 2048);
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(p, sizeof(p), "/d%d/f", i);
		ck_assert(has(&t, p));
	}
	ck_assert(!has(&t, "/d3000/f"));
	ftps_pt_fini(&t);
}
END_TEST

START_TEST(eviction_order)
{
	struct ftps_pathtab t;
	struct item *b, *e;

	mk(&t, 8, 3);
	add(&t, "/a");
	b = add(&t, "/b");
	add(&t, "/c");
	ck_assert_uint_eq(ftps_pt_evict(&t, NULL), 0);
	add(&t, "/d");
	ck_assert_uint_eq(ftps_pt_evict(&t, NULL), 1);
	ck_assert_str_eq(dropped, "/a ");
	/* a touched node is the newest again */
	ftps_pt_touch(&t, &b->node);
	ck_assert_str_eq(order(&t), "/b /d /c ");
	e = add(&t, "/e");
	ck_assert_uint_eq(ftps_pt_evict(&t, &e->node), 1);
	ck_assert_str_eq(dropped, "/a /c ");
	ck_assert_str_eq(order(&t), "/e /b /d ");
	/* the oldest is skipped when it is to be kept */
	t.max = 1;
	ftps_pt_touch(&t, &b->node);
	ftps_pt_touch(&t, &e->node);
	ck_assert_str_eq(order(&t), "/e /b /d ");
	dropped[0] = '\0';
	ck_assert_int_eq(ftps_pt_evict_oldest(&t, ftps_pt_find(&t, "/d", 2)), 1);
	ck_assert_str_eq(dropped, "/b ");
	ck_assert_uint_eq(ftps_pt_evict(&t, t.back), 1);
	ck_assert_str_eq(dropped, "/b /e ");
	ck_assert_str_eq(order(&t), "/d ");
	/* nothing but keep left */
	ck_assert_int_eq(ftps_pt_evict_oldest(&t, t.front), 0);
	ck_assert_int_eq(ftps_pt_evict_oldest(&t, NULL), 1);
	ck_assert_int_eq(ftps_pt_evict_oldest(&t, NULL), 0);
	ck_assert_ptr_null(t.front);
	ck_assert_ptr_null(t.back);
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
}
END_TEST

static const char *const tree[] = {
	"/", "/a", "/a/b", "/a/bc", "/a/b/c", "/a/b/c/d", "/a/bc/x", "/ab", NULL
};

static void visit_log(void *arg, struct ftps_pathtab *t, struct ftps_pt_node *n)
{
	char *buf = arg;
	size_t used = strlen(buf);

	ck_assert_ptr_nonnull(t);
	snprintf(buf + used, 256 - used, "%s ", n->path);
}

START_TEST(foreach_under)
{
	struct ftps_pathtab t;
	char seen[256];

	mk(&t, 8, 100);
	add_all(&t, tree);
	seen[0] = '\0';
	ftps_pt_foreach_under(&t, "/a/b", 4, FTPS_PATH_AT_OR_BELOW, visit_log, seen);
	ck_assert_str_eq(seen, "/a/b /a/b/c /a/b/c/d ");        /* the oldest first */
	seen[0] = '\0';
	ftps_pt_foreach_under(&t, "/a/b", 4, FTPS_PATH_BELOW, visit_log, seen);
	ck_assert_str_eq(seen, "/a/b/c /a/b/c/d ");
	seen[0] = '\0';
	ftps_pt_foreach_under(&t, "/a", 2, FTPS_PATH_SAME, visit_log, seen);
	ck_assert_str_eq(seen, "/a ");
	seen[0] = '\0';
	ftps_pt_foreach_under(&t, "/", 1, FTPS_PATH_BELOW, visit_log, seen);
	ck_assert_str_eq(seen, "/a /a/b /a/bc /a/b/c /a/b/c/d /a/bc/x /ab ");
	ck_assert_str_eq(dropped, "");
	ftps_pt_fini(&t);
}
END_TEST

START_TEST(remove_subtree)
{
	struct ftps_pathtab t;

	mk(&t, 8, 100);
	add_all(&t, tree);
	ftps_pt_remove_under(&t, "/a/b", 4, FTPS_PATH_BELOW);
	ck_assert_str_eq(dropped, "/a/b/c /a/b/c/d ");
	ck_assert(has(&t, "/a/b"));
	ftps_pt_remove_under(&t, "/a/b", 4, FTPS_PATH_AT_OR_BELOW);
	ck_assert_str_eq(dropped, "/a/b/c /a/b/c/d /a/b ");
	ck_assert_str_eq(order(&t), "/ab /a/bc/x /a/bc /a / ");
	ftps_pt_remove_under(&t, "/a", 2, FTPS_PATH_SAME);
	ck_assert_str_eq(order(&t), "/ab /a/bc/x /a/bc / ");
	ftps_pt_remove_under(&t, "/nothing", 8, FTPS_PATH_AT_OR_BELOW);
	ck_assert_uint_eq(t.n, 4);
	ftps_pt_remove_under(&t, "/", 1, FTPS_PATH_AT_OR_BELOW);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
}
END_TEST

START_TEST(rename_subtree)
{
	struct ftps_pathtab t;
	struct item *c;

	mk(&t, 8, 100);
	add_all(&t, tree);
	add(&t, "/x/old");
	add(&t, "/x");
	c = (struct item *)(void *)ftps_pt_find(&t, "/a/b/c", 6);
	c->id = 7;
	ftps_pt_rename(&t, "/a/b", 4, "/x", 2, FTPS_PATH_AT_OR_BELOW);
	/* what was at the target goes; the rest keeps its place in the list */
	ck_assert_str_eq(dropped, "/x/old /x ");
	ck_assert_str_eq(order(&t), "/ab /a/bc/x /x/c/d /x/c /a/bc /x /a / ");
	ck_assert_ptr_eq(ftps_pt_find(&t, "/x/c", 4), &c->node);
	ck_assert_int_eq(c->id, 7);
	ck_assert(!has(&t, "/a/b") && !has(&t, "/a/b/c"));
	ck_assert(has(&t, "/a/bc") && has(&t, "/a/bc/x"));
	ck_assert_int_eq(ftps_pt_check(&t), 0);

	/* one path alone: "/x/c" stays where it is */
	ftps_pt_rename(&t, "/x", 2, "/y", 2, FTPS_PATH_SAME);
	ck_assert(has(&t, "/y") && has(&t, "/x/c") && !has(&t, "/x"));
	ck_assert_int_eq(ftps_pt_check(&t), 0);

	/* onto itself: nothing changes */
	dropped[0] = '\0';
	ftps_pt_rename(&t, "/a", 2, "/a", 2, FTPS_PATH_AT_OR_BELOW);
	ck_assert_str_eq(dropped, "");
	/* into itself (or out of it) is no rename: what was there goes */
	ftps_pt_rename(&t, "/a", 2, "/a/bc/y", 7, FTPS_PATH_AT_OR_BELOW);
	ck_assert_str_eq(dropped, "/a /a/bc /a/bc/x ");
	ck_assert(!has(&t, "/a/bc/y"));
	dropped[0] = '\0';
	ftps_pt_rename(&t, "/x/c", 4, "/x", 2, FTPS_PATH_AT_OR_BELOW);
	ck_assert_str_eq(dropped, "/x/c /x/c/d ");
	ck_assert_str_eq(order(&t), "/ab /y / ");
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
}
END_TEST

/* A path that would grow past FTPS_MAX_PATH goes instead of moving. */
START_TEST(rename_too_long)
{
	struct ftps_pathtab t;
	char *to = malloc(FTPS_MAX_PATH);
	size_t tlen = FTPS_MAX_PATH - 4;

	ck_assert_ptr_nonnull(to);
	to[0] = '/';
	memset(to + 1, 'n', tlen - 1);
	for (size_t i = 200; i < tlen; i += 200)
		to[i] = '/';
	to[tlen] = '\0';
	mk(&t, 8, 100);
	add(&t, "/d");
	add(&t, "/d/fgh");      /* to + "/fgh" and its NUL: one byte too many */
	add(&t, "/d/fg");       /* to + "/fg": fits exactly */
	ftps_pt_rename(&t, "/d", 2, to, tlen, FTPS_PATH_AT_OR_BELOW);
	ck_assert_str_eq(dropped, "/d/fgh ");
	ck_assert_uint_eq(t.n, 2);
	ck_assert_ptr_nonnull(ftps_pt_find(&t, to, tlen));
	memcpy(to + tlen, "/fg", 4);
	ck_assert_ptr_nonnull(ftps_pt_find(&t, to, tlen + 3));
	ck_assert_uint_eq(strlen(to) + 1, FTPS_MAX_PATH);
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
	free(to);
}
END_TEST

START_TEST(clear_and_reuse)
{
	struct ftps_pathtab t;

	mk(&t, 2, 10);
	add_all(&t, tree);
	ftps_pt_clear(&t);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(t.front);
	ck_assert_ptr_null(t.back);
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	add(&t, "/a");
	ck_assert(has(&t, "/a"));
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
}
END_TEST

/* A file's own subtree is known empty without a walk: a cp of many files
 * asks for it on every file (the caches drop what lay below a path that
 * is now a file), and a walk of the whole list each time made that
 * quadratic. A folder's subtree is still walked and removed whole. */
START_TEST(file_subtree_without_walk)
{
	struct ftps_pathtab t;
	char p[32];

	mk(&t, 1, 100000);
	for (int i = 0; i < 5000; i++) {
		snprintf(p, sizeof(p), "/d/f%d", i);
		add(&t, p);
	}
	add(&t, "/e");
	t.walked = 0;
	for (int i = 0; i < 5000; i += 2) {
		snprintf(p, sizeof(p), "/d/f%d", i);
		ftps_pt_remove_under(&t, p, strlen(p), FTPS_PATH_AT_OR_BELOW);
		ck_assert(!has(&t, p));
		ftps_pt_remove_under(&t, p, strlen(p), FTPS_PATH_BELOW);
	}
	ftps_pt_remove_under(&t, "/e", 2, FTPS_PATH_BELOW);
	ck_assert(has(&t, "/e"));
	/* A slot shared by chance may make one walk; not one per file. */
	ck_assert_uint_le(t.walked, 2 * 5001);
	ck_assert_uint_eq(t.n, 2501);
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	t.walked = 0;
	ftps_pt_remove_under(&t, "/d", 2, FTPS_PATH_AT_OR_BELOW);
	ck_assert_uint_eq(t.walked, 2501);
	ck_assert_uint_eq(t.n, 1);
	ck_assert(has(&t, "/e"));
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
}
END_TEST

/* The counts behind "nothing below" stay exact through inserts, removals,
 * subtree removals, renames and growth (ftps_pt_check counts them again),
 * and every subtree operation gives what a walk of everything gives. */
START_TEST(below_counts_random)
{
	struct ftps_pathtab t;
	static const char *names[] = { "a", "b", "ab", "c" };
	char p[64], q[64];
	unsigned seed = 12345;

	mk(&t, 1, 100000);
	for (int step = 0; step < 20000; step++) {
		int depth, op;
		size_t len = 0, qlen = 0;

		seed = seed * 1103515245u + 12345u;
		depth = 1 + (int)((seed >> 16) % 4);
		for (int d = 0; d < depth; d++) {
			seed = seed * 1103515245u + 12345u;
			len += (size_t)snprintf(p + len, sizeof(p) - len, "/%s", names[(seed >> 16) % 4]);
		}
		seed = seed * 1103515245u + 12345u;
		op = (int)((seed >> 16) % 10);
		if (op < 6) {
			if (!ftps_pt_find(&t, p, len))
				add(&t, p);
		} else if (op < 8) {
			unsigned how = op == 6 ? FTPS_PATH_BELOW : FTPS_PATH_AT_OR_BELOW;
			size_t before = 0, inside = 0;
			for (struct ftps_pt_node *n = t.front; n; n = n->older) {
				before++;
				inside += (ftps_path_within(n->path, n->plen, p, len) & how) != 0;
			}
			ftps_pt_remove_under(&t, p, len, how);
			ck_assert_uint_eq(t.n, before - inside);
		} else {
			for (int d = 0; d < 2; d++) {
				seed = seed * 1103515245u + 12345u;
				qlen += (size_t)snprintf(q + qlen, sizeof(q) - qlen, "/%s", names[(seed >> 16) % 4]);
			}
			ftps_pt_rename(&t, p, len, q, qlen, op == 8 ? FTPS_PATH_AT_OR_BELOW : FTPS_PATH_SAME);
		}
		if (step % 97 == 0)
			ck_assert_int_eq(ftps_pt_check(&t), 0);
		dropped[0] = '\0';
	}
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
}
END_TEST

/* Paths near FTPS_MAX_PATH, two thousand folders deep: counted in and
 * out exactly, their subtrees found, through growth and renames. */
START_TEST(deep_paths)
{
	struct ftps_pathtab t;
	static char p[FTPS_MAX_PATH], q[FTPS_MAX_PATH + 16];
	size_t len = 0;

	mk(&t, 1, 100000);
	while (len + 2 < FTPS_MAX_PATH - 8) {
		p[len++] = '/';
		p[len++] = 'a';
	}
	p[len] = '\0';
	for (int i = 0; i < 64; i++) {
		snprintf(q, sizeof(q), "%s/f%d", p, i);
		add(&t, q);
	}
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_remove_under(&t, "/a/a", 4, FTPS_PATH_BELOW);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
}
END_TEST

/* Without the counts (out of memory for them) every subtree is walked,
 * with the same results. */
START_TEST(no_counts_walks)
{
	struct ftps_pathtab t;

	mk(&t, 8, 100);
	free(t.below);
	t.below = NULL;
	add_all(&t, tree);
	t.walked = 0;
	ftps_pt_remove_under(&t, "/a/bc", 5, FTPS_PATH_AT_OR_BELOW);
	ck_assert_uint_eq(t.walked, 8);
	ck_assert(!has(&t, "/a/bc") && !has(&t, "/a/bc/x") && has(&t, "/a/b"));
	ftps_pt_rename(&t, "/a/b", 4, "/z", 2, FTPS_PATH_AT_OR_BELOW);
	ck_assert(has(&t, "/z") && has(&t, "/z/c/d") && !has(&t, "/a/b/c"));
	ck_assert_int_eq(ftps_pt_check(&t), 0);
	ftps_pt_fini(&t);
}
END_TEST

static Suite *pathtab_suite(void)
{
	Suite *s = suite_create("pathtab");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, within);
	tcase_add_test(tc, insert_find_remove);
	tcase_add_test(tc, full_hash_collision);
	tcase_add_test(tc, growth);
	tcase_add_test(tc, eviction_order);
	tcase_add_test(tc, foreach_under);
	tcase_add_test(tc, remove_subtree);
	tcase_add_test(tc, rename_subtree);
	tcase_add_test(tc, rename_too_long);
	tcase_add_test(tc, clear_and_reuse);
	tcase_add_test(tc, file_subtree_without_walk);
	tcase_add_test(tc, below_counts_random);
	tcase_add_test(tc, deep_paths);
	tcase_add_test(tc, no_counts_walks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pathtab_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
