#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "buf.h"
#include "err.h"
#include "harness.h"

static void
base64_matches_rfc4648_vectors(void)
{
	static const char *const vectors[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	size_t i;

	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		struct ann_buf b = ANN_BUF_INIT;
		size_t n = strlen(vectors[i][0]);

		CHECK_INT(ANN_OK, ann_base64_add(&b, (const unsigned char *)vectors[i][0], n));
		CHECK_STR(vectors[i][1], b.data);
		CHECK_INT(strlen(vectors[i][1]), ann_base64_len(n));
		ann_buf_release(&b);
	}
}

static void
base64_binary_bytes(void)
{
	static const unsigned char png[] = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A };
	static const unsigned char all_bits[] = { 0xFF, 0xFF, 0xFE };
	struct ann_buf b = ANN_BUF_INIT;

	CHECK_INT(ANN_OK, ann_base64_add(&b, png, sizeof png));
	CHECK_STR("iVBORw0K", b.data);
	ann_buf_reset(&b);
	CHECK_INT(ANN_OK, ann_base64_add(&b, all_bits, sizeof all_bits));
	CHECK_STR("///+", b.data);
	ann_buf_release(&b);
}

static void
base64_length_at_image_limit(void)
{
	CHECK_INT(ANN_ATTACH_IMAGE_BASE64_MAX, ann_base64_len(ANN_ATTACH_IMAGE_RAW_MAX));
	CHECK_INT(5242884, ann_base64_len(ANN_ATTACH_IMAGE_RAW_MAX + 1));
	CHECK_INT(5333336, ann_base64_len(4000000));
}

static void
document_names_follow_bedrock_rules(void)
{
	static const char *const cases[][2] = {
		{ "invoice_2024-03.v2.pdf", "invoice 2024-03 v2" },
		{ "scans/2024/請求書.pdf", "document-3" },
		{ "請求書_ACME (2).pdf", "ACME (2)" },
		{ "a  b\tc.pdf", "a b c" },
		{ "[draft] report.PDF", "[draft] report" },
		{ "😀 receipt 😀.pdf", "receipt" },
		{ ".pdf", "pdf" },
		{ "noext", "noext" },
		{ "dir.d/file", "file" },
		{ "___.pdf", "document-3" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ann_buf b = ANN_BUF_INIT;

		CHECK_INT(ANN_OK, ann_attach_document_name(&b, cases[i][0], 3));
		CHECK_STR(cases[i][1], b.data);
		ann_buf_release(&b);
	}
}

static void
document_name_cut_at_200(void)
{
	char file[400];
	struct ann_buf b = ANN_BUF_INIT;

	memset(file, 'x', 150);
	file[150] = '_';
	memset(file + 151, 'y', 150);
	strcpy(file + 301, ".pdf");
	CHECK_INT(ANN_OK, ann_attach_document_name(&b, file, 1));
	CHECK_INT(ANN_ATTACH_NAME_MAX, b.len);
	CHECK(b.data[150] == ' ');
	CHECK(b.data[199] == 'y');
	ann_buf_release(&b);

	/* A cut must not leave a space at the end. */
	memset(file, 'x', 199);
	file[199] = '_';
	strcpy(file + 200, "yyy.pdf");
	CHECK_INT(ANN_OK, ann_attach_document_name(&b, file, 1));
	CHECK_INT(199, b.len);
	ann_buf_release(&b);
}

/* Writes bytes to a file under dir and returns ann_attach_load's result. */
static int
load_bytes(const char *dir, const char *name, const void *bytes, size_t n,
    struct ann_attachment *a, struct ann_error *e)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		return -100;
	fwrite(bytes, 1, n, f);
	fclose(f);
	return ann_attach_load(a, dir, name, e);
}

static void
image_dimensions_by_format(void)
{
	static const unsigned char gif[] = "GIF89a\x40\x01\xf0\x00\x00\x00\x00;";
	static const unsigned char jpeg[] =
	    "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
	    "\xff\xc2\x00\x11\x08\x1f\x41\x00\x64\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
	    "\xff\xd9";
	static const unsigned char webp_vp8x[] =
	    "RIFF\x16\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\x3f\x1f\x00\x09\x00\x00";
	char dir[] = "/tmp/ann-attach-XXXXXX";
	char cmd[64];
	struct ann_error e = ANN_ERROR_INIT;
	struct ann_attachment a;

	CHECK(mkdtemp(dir) != NULL);

	CHECK_INT(ANN_OK, load_bytes(dir, "a.gif", gif, sizeof gif - 1, &a, &e));
	CHECK_STR("image/gif", a.media_type);
	CHECK_INT(320, a.width);
	CHECK_INT(240, a.height);
	ann_attachment_release(&a);

	/* A progressive JPEG (SOF2) of 100 x 8001 pixels is over the limit. */
	CHECK_INT(ANN_ERR_TOO_LARGE, load_bytes(dir, "a.jpg", jpeg, sizeof jpeg - 1, &a, &e));
	CHECK_STR("attachment \"a.jpg\": image is 100x8001 pixels, over Bedrock's limit of "
	    "8000 pixels per side", e.msg);

	CHECK_INT(ANN_OK, load_bytes(dir, "a.webp", webp_vp8x, sizeof webp_vp8x - 1, &a, &e));
	CHECK_STR("webp", a.format);
	CHECK_INT(8000, a.width);
	CHECK_INT(10, a.height);
	ann_attachment_release(&a);

	/* A JPEG cut off before its frame header has no size to check. */
	CHECK_INT(ANN_ERR_INVALID, load_bytes(dir, "cut.jpg", jpeg, 24, &a, &e));
	CHECK_STR("attachment \"cut.jpg\": cannot read the jpeg image's width and height "
	    "(truncated or corrupt file)", e.msg);

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

ANN_TEST_MAIN(
	ANN_TEST(base64_matches_rfc4648_vectors),
	ANN_TEST(base64_binary_bytes),
	ANN_TEST(base64_length_at_image_limit),
	ANN_TEST(document_names_follow_bedrock_rules),
	ANN_TEST(document_name_cut_at_200),
	ANN_TEST(image_dimensions_by_format)
)
