#include <string.h>

#include "buf.h"
#include "harness.h"
#include "redact.h"

#define SIG "9fa437863d94a8e19fcc7a6e3e83831705dea81dc8436a539114aac34ae8f886"
#define AUTH "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250115/us-east-1/bedrock/aws4_request, " \
	"SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=" SIG

static void
secret_headers_recognised(void)
{
	CHECK(ann_redact_is_secret_header("Authorization"));
	CHECK(ann_redact_is_secret_header("x-amz-security-token"));
	CHECK(ann_redact_is_secret_header("X-API-KEY"));
	CHECK(ann_redact_is_secret_header("Proxy-Authorization"));
	CHECK(!ann_redact_is_secret_header("X-Amz-Date"));
	CHECK(!ann_redact_is_secret_header("Content-Type"));
	CHECK(!ann_redact_is_secret_header("Authorization-Hint"));
}

static void
sigv4_authorization_keeps_scope(void)
{
	struct ann_buf out = ANN_BUF_INIT;

	CHECK_INT(0, ann_redact_header_value(&out, "authorization", AUTH));
	CHECK_STR("AWS4-HMAC-SHA256 Credential=[redacted]/20250115/us-east-1/bedrock/aws4_request, "
	    "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[redacted]",
	    out.data);
	CHECK(strstr(out.data, SIG) == NULL);
	CHECK(strstr(out.data, "AKIDEXAMPLE") == NULL);

	ann_buf_reset(&out);
	CHECK_INT(0, ann_redact_header_value(&out, "Authorization", "AWS4-HMAC-SHA256 Signature=" SIG));
	CHECK_STR("AWS4-HMAC-SHA256 [redacted]", out.data);
	ann_buf_release(&out);
}

static void
other_values_replaced(void)
{
	struct ann_buf out = ANN_BUF_INIT;

	CHECK_INT(0, ann_redact_header_value(&out, "Authorization", "Bearer ABSKsecretvalue"));
	CHECK_STR("Bearer [redacted]", out.data);
	ann_buf_reset(&out);
	CHECK_INT(0, ann_redact_header_value(&out, "X-Amz-Security-Token", "FwoGZXIvYXdz"));
	CHECK_STR("[redacted]", out.data);
	ann_buf_reset(&out);
	CHECK_INT(0, ann_redact_header_value(&out, "x-api-key", "sk-ant-123"));
	CHECK_STR("[redacted]", out.data);
	ann_buf_reset(&out);
	CHECK_INT(0, ann_redact_header_value(&out, "Content-Type", "application/json"));
	CHECK_STR("application/json", out.data);
	ann_buf_release(&out);
}

static void
free_text_redacted(void)
{
	static const char *const secrets[] = { "SECRETSHOULDNEVERAPPEAR", "abc", NULL };
	static const char text[] = "key=SECRETSHOULDNEVERAPPEAR; auth: Bearer tok.en-1, then "
	    "Signature=" SIG " and abc stays";
	struct ann_buf out = ANN_BUF_INIT;

	CHECK_INT(0, ann_redact_text(&out, text, strlen(text), secrets));
	CHECK_STR("key=[redacted]; auth: Bearer [redacted], then Signature=[redacted] and abc stays",
	    out.data);
	ann_buf_reset(&out);
	CHECK_INT(0, ann_redact_text(&out, "Bearer ", 7, NULL));
	CHECK_STR("Bearer ", out.data);
	ann_buf_release(&out);
}

ANN_TEST_MAIN(
	ANN_TEST(secret_headers_recognised),
	ANN_TEST(sigv4_authorization_keeps_scope),
	ANN_TEST(other_values_replaced),
	ANN_TEST(free_text_redacted),
)
