/*
 * The meta-schemas of draft 2020-12 (the dialect schema and its vocabulary
 * schemas) and of draft-07, as published at the URIs below, so that a
 * reference to them resolves without the network. Annotation-only members
 * (title, description, $comment) are left out; the assertions are complete.
 */
#include "schema_int.h"

#include <string.h>

static const struct {
	const char *uri;
	const char *text;
} metas[] = {
	{ "https://json-schema.org/draft/2020-12/schema",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\""
	    ":\"https://json-schema.org/draft/2020-12/schema\",\"$vocabulary\":{\""
	    "https://json-schema.org/draft/2020-12/vocab/core\":true,\"https://js"
	    "on-schema.org/draft/2020-12/vocab/applicator\":true,\"https://json-s"
	    "chema.org/draft/2020-12/vocab/unevaluated\":true,\"https://json-sche"
	    "ma.org/draft/2020-12/vocab/validation\":true,\"https://json-schema.o"
	    "rg/draft/2020-12/vocab/meta-data\":true,\"https://json-schema.org/dr"
	    "aft/2020-12/vocab/format-annotation\":true,\"https://json-schema.org"
	    "/draft/2020-12/vocab/content\":true},\"$dynamicAnchor\":\"meta\",\"a"
	    "llOf\":[{\"$ref\":\"meta/core\"},{\"$ref\":\"meta/applicator\"},{\"$"
	    "ref\":\"meta/unevaluated\"},{\"$ref\":\"meta/validation\"},{\"$ref\""
	    ":\"meta/meta-data\"},{\"$ref\":\"meta/format-annotation\"},{\"$ref\""
	    ":\"meta/content\"}],\"type\":[\"object\",\"boolean\"],\"properties\""
	    ":{\"definitions\":{\"type\":\"object\",\"additionalProperties\":{\"$"
	    "dynamicRef\":\"#meta\"},\"deprecated\":true,\"default\":{}},\"depend"
	    "encies\":{\"type\":\"object\",\"additionalProperties\":{\"anyOf\":[{"
	    "\"$dynamicRef\":\"#meta\"},{\"$ref\":\"meta/validation#/$defs/string"
	    "Array\"}]},\"deprecated\":true,\"default\":{}},\"$recursiveAnchor\":"
	    "{\"$ref\":\"meta/core#/$defs/anchorString\",\"deprecated\":true},\"$"
	    "recursiveRef\":{\"$ref\":\"meta/core#/$defs/uriReferenceString\",\"d"
	    "eprecated\":true}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/core",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\""
	    ":\"https://json-schema.org/draft/2020-12/meta/core\",\"$vocabulary\""
	    ":{\"https://json-schema.org/draft/2020-12/vocab/core\":true},\"$dyna"
	    "micAnchor\":\"meta\",\"type\":[\"object\",\"boolean\"],\"properties\""
	    ":{\"$id\":{\"$ref\":\"#/$defs/uriReferenceString\",\"pattern\":\"^[^"
	    "#]*#?$\"},\"$schema\":{\"$ref\":\"#/$defs/uriString\"},\"$ref\":{\"$"
	    "ref\":\"#/$defs/uriReferenceString\"},\"$anchor\":{\"$ref\":\"#/$def"
	    "s/anchorString\"},\"$dynamicRef\":{\"$ref\":\"#/$defs/uriReferenceSt"
	    "ring\"},\"$dynamicAnchor\":{\"$ref\":\"#/$defs/anchorString\"},\"$vo"
	    "cabulary\":{\"type\":\"object\",\"propertyNames\":{\"$ref\":\"#/$def"
	    "s/uriString\"},\"additionalProperties\":{\"type\":\"boolean\"}},\"$c"
	    "omment\":{\"type\":\"string\"},\"$defs\":{\"type\":\"object\",\"addi"
	    "tionalProperties\":{\"$dynamicRef\":\"#meta\"}}},\"$defs\":{\"anchor"
	    "String\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z_][-A-Za-z0-9._]"
	    "*$\"},\"uriString\":{\"type\":\"string\",\"format\":\"uri\"},\"uriRe"
	    "ferenceString\":{\"type\":\"string\",\"format\":\"uri-reference\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/applicator",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\""
	    ":\"https://json-schema.org/draft/2020-12/meta/applicator\",\"$vocabu"
	    "lary\":{\"https://json-schema.org/draft/2020-12/vocab/applicator\":t"
	    "rue},\"$dynamicAnchor\":\"meta\",\"type\":[\"object\",\"boolean\"],\""
	    "properties\":{\"prefixItems\":{\"$ref\":\"#/$defs/schemaArray\"},\"i"
	    "tems\":{\"$dynamicRef\":\"#meta\"},\"contains\":{\"$dynamicRef\":\"#"
	    "meta\"},\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},\"prope"
	    "rties\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef"
	    "\":\"#meta\"},\"default\":{}},\"patternProperties\":{\"type\":\"obje"
	    "ct\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},\"property"
	    "Names\":{\"format\":\"regex\"},\"default\":{}},\"dependentSchemas\":"
	    "{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#me"
	    "ta\"},\"default\":{}},\"propertyNames\":{\"$dynamicRef\":\"#meta\"},"
	    "\"if\":{\"$dynamicRef\":\"#meta\"},\"then\":{\"$dynamicRef\":\"#meta"
	    "\"},\"else\":{\"$dynamicRef\":\"#meta\"},\"allOf\":{\"$ref\":\"#/$de"
	    "fs/schemaArray\"},\"anyOf\":{\"$ref\":\"#/$defs/schemaArray\"},\"one"
	    "Of\":{\"$ref\":\"#/$defs/schemaArray\"},\"not\":{\"$dynamicRef\":\"#"
	    "meta\"}},\"$defs\":{\"schemaArray\":{\"type\":\"array\",\"minItems\""
	    ":1,\"items\":{\"$dynamicRef\":\"#meta\"}}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/unevaluated",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\""
	    ":\"https://json-schema.org/draft/2020-12/meta/unevaluated\",\"$vocab"
	    "ulary\":{\"https://json-schema.org/draft/2020-12/vocab/unevaluated\""
	    ":true},\"$dynamicAnchor\":\"meta\",\"type\":[\"object\",\"boolean\"]"
	    ",\"properties\":{\"unevaluatedItems\":{\"$dynamicRef\":\"#meta\"},\""
	    "unevaluatedProperties\":{\"$dynamicRef\":\"#meta\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/validation",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\""
	    ":\"https://json-schema.org/draft/2020-12/meta/validation\",\"$vocabu"
	    "lary\":{\"https://json-schema.org/draft/2020-12/vocab/validation\":t"
	    "rue},\"$dynamicAnchor\":\"meta\",\"type\":[\"object\",\"boolean\"],\""
	    "properties\":{\"type\":{\"anyOf\":[{\"$ref\":\"#/$defs/simpleTypes\""
	    "},{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/simpleTypes\"},\""
	    "minItems\":1,\"uniqueItems\":true}]},\"const\":true,\"enum\":{\"type"
	    "\":\"array\",\"items\":true},\"multipleOf\":{\"type\":\"number\",\"e"
	    "xclusiveMinimum\":0},\"maximum\":{\"type\":\"number\"},\"exclusiveMa"
	    "ximum\":{\"type\":\"number\"},\"minimum\":{\"type\":\"number\"},\"ex"
	    "clusiveMinimum\":{\"type\":\"number\"},\"maxLength\":{\"$ref\":\"#/$"
	    "defs/nonNegativeInteger\"},\"minLength\":{\"$ref\":\"#/$defs/nonNega"
	    "tiveIntegerDefault0\"},\"pattern\":{\"type\":\"string\",\"format\":\""
	    "regex\"},\"maxItems\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},\"mi"
	    "nItems\":{\"$ref\":\"#/$defs/nonNegativeIntegerDefault0\"},\"uniqueI"
	    "tems\":{\"type\":\"boolean\",\"default\":false},\"maxContains\":{\"$"
	    "ref\":\"#/$defs/nonNegativeInteger\"},\"minContains\":{\"$ref\":\"#/"
	    "$defs/nonNegativeInteger\",\"default\":1},\"maxProperties\":{\"$ref\""
	    ":\"#/$defs/nonNegativeInteger\"},\"minProperties\":{\"$ref\":\"#/$de"
	    "fs/nonNegativeIntegerDefault0\"},\"required\":{\"$ref\":\"#/$defs/st"
	    "ringArray\"},\"dependentRequired\":{\"type\":\"object\",\"additional"
	    "Properties\":{\"$ref\":\"#/$defs/stringArray\"}}},\"$defs\":{\"nonNe"
	    "gativeInteger\":{\"type\":\"integer\",\"minimum\":0},\"nonNegativeIn"
	    "tegerDefault0\":{\"$ref\":\"#/$defs/nonNegativeInteger\",\"default\""
	    ":0},\"simpleTypes\":{\"enum\":[\"array\",\"boolean\",\"integer\",\"n"
	    "ull\",\"number\",\"object\",\"string\"]},\"stringArray\":{\"type\":\""
	    "array\",\"items\":{\"type\":\"string\"},\"uniqueItems\":true,\"defau"
	    "lt\":[]}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/meta-data",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\""
	    ":\"https://json-schema.org/draft/2020-12/meta/meta-data\",\"$vocabul"
	    "ary\":{\"https://json-schema.org/draft/2020-12/vocab/meta-data\":tru"
	    "e},\"$dynamicAnchor\":\"meta\",\"type\":[\"object\",\"boolean\"],\"p"
	    "roperties\":{\"title\":{\"type\":\"string\"},\"description\":{\"type"
	    "\":\"string\"},\"default\":true,\"deprecated\":{\"type\":\"boolean\""
	    ",\"default\":false},\"readOnly\":{\"type\":\"boolean\",\"default\":f"
	    "alse},\"writeOnly\":{\"type\":\"boolean\",\"default\":false},\"examp"
	    "les\":{\"type\":\"array\",\"items\":true}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/format-annotation",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\""
	    ":\"https://json-schema.org/draft/2020-12/meta/format-annotation\",\""
	    "$vocabulary\":{\"https://json-schema.org/draft/2020-12/vocab/format-"
	    "annotation\":true},\"$dynamicAnchor\":\"meta\",\"type\":[\"object\","
	    "\"boolean\"],\"properties\":{\"format\":{\"type\":\"string\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/format-assertion",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\""
	    ":\"https://json-schema.org/draft/2020-12/meta/format-assertion\",\"$"
	    "vocabulary\":{\"https://json-schema.org/draft/2020-12/vocab/format-a"
	    "ssertion\":true},\"$dynamicAnchor\":\"meta\",\"type\":[\"object\",\""
	    "boolean\"],\"properties\":{\"format\":{\"type\":\"string\"}}}" },
	{ "https://json-schema.org/draft/2020-12/meta/content",
	    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\""
	    ":\"https://json-schema.org/draft/2020-12/meta/content\",\"$vocabular"
	    "y\":{\"https://json-schema.org/draft/2020-12/vocab/content\":true},\""
	    "$dynamicAnchor\":\"meta\",\"type\":[\"object\",\"boolean\"],\"proper"
	    "ties\":{\"contentEncoding\":{\"type\":\"string\"},\"contentMediaType"
	    "\":{\"type\":\"string\"},\"contentSchema\":{\"$dynamicRef\":\"#meta\""
	    "}}}" },
	{ "http://json-schema.org/draft-07/schema",
	    "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"$id\":\"h"
	    "ttp://json-schema.org/draft-07/schema#\",\"definitions\":{\"schemaAr"
	    "ray\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"$ref\":\"#\"}}"
	    ",\"nonNegativeInteger\":{\"type\":\"integer\",\"minimum\":0},\"nonNe"
	    "gativeIntegerDefault0\":{\"allOf\":[{\"$ref\":\"#/definitions/nonNeg"
	    "ativeInteger\"},{\"default\":0}]},\"simpleTypes\":{\"enum\":[\"array"
	    "\",\"boolean\",\"integer\",\"null\",\"number\",\"object\",\"string\""
	    "]},\"stringArray\":{\"type\":\"array\",\"items\":{\"type\":\"string\""
	    "},\"uniqueItems\":true,\"default\":[]}},\"type\":[\"object\",\"boole"
	    "an\"],\"properties\":{\"$id\":{\"type\":\"string\",\"format\":\"uri-"
	    "reference\"},\"$schema\":{\"type\":\"string\",\"format\":\"uri\"},\""
	    "$ref\":{\"type\":\"string\",\"format\":\"uri-reference\"},\"$comment"
	    "\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},\"descripti"
	    "on\":{\"type\":\"string\"},\"default\":true,\"readOnly\":{\"type\":\""
	    "boolean\",\"default\":false},\"writeOnly\":{\"type\":\"boolean\",\"d"
	    "efault\":false},\"examples\":{\"type\":\"array\",\"items\":true},\"m"
	    "ultipleOf\":{\"type\":\"number\",\"exclusiveMinimum\":0},\"maximum\""
	    ":{\"type\":\"number\"},\"exclusiveMaximum\":{\"type\":\"number\"},\""
	    "minimum\":{\"type\":\"number\"},\"exclusiveMinimum\":{\"type\":\"num"
	    "ber\"},\"maxLength\":{\"$ref\":\"#/definitions/nonNegativeInteger\"}"
	    ",\"minLength\":{\"$ref\":\"#/definitions/nonNegativeIntegerDefault0\""
	    "},\"pattern\":{\"type\":\"string\",\"format\":\"regex\"},\"additiona"
	    "lItems\":{\"$ref\":\"#\"},\"items\":{\"anyOf\":[{\"$ref\":\"#\"},{\""
	    "$ref\":\"#/definitions/schemaArray\"}],\"default\":true},\"maxItems\""
	    ":{\"$ref\":\"#/definitions/nonNegativeInteger\"},\"minItems\":{\"$re"
	    "f\":\"#/definitions/nonNegativeIntegerDefault0\"},\"uniqueItems\":{\""
	    "type\":\"boolean\",\"default\":false},\"contains\":{\"$ref\":\"#\"},"
	    "\"maxProperties\":{\"$ref\":\"#/definitions/nonNegativeInteger\"},\""
	    "minProperties\":{\"$ref\":\"#/definitions/nonNegativeIntegerDefault0"
	    "\"},\"required\":{\"$ref\":\"#/definitions/stringArray\"},\"addition"
	    "alProperties\":{\"$ref\":\"#\"},\"definitions\":{\"type\":\"object\""
	    ",\"additionalProperties\":{\"$ref\":\"#\"},\"default\":{}},\"propert"
	    "ies\":{\"type\":\"object\",\"additionalProperties\":{\"$ref\":\"#\"}"
	    ",\"default\":{}},\"patternProperties\":{\"type\":\"object\",\"additi"
	    "onalProperties\":{\"$ref\":\"#\"},\"propertyNames\":{\"format\":\"re"
	    "gex\"},\"default\":{}},\"dependencies\":{\"type\":\"object\",\"addit"
	    "ionalProperties\":{\"anyOf\":[{\"$ref\":\"#\"},{\"$ref\":\"#/definit"
	    "ions/stringArray\"}]}},\"propertyNames\":{\"$ref\":\"#\"},\"const\":"
	    "true,\"enum\":{\"type\":\"array\",\"items\":true},\"type\":{\"anyOf\""
	    ":[{\"$ref\":\"#/definitions/simpleTypes\"},{\"type\":\"array\",\"ite"
	    "ms\":{\"$ref\":\"#/definitions/simpleTypes\"},\"minItems\":1,\"uniqu"
	    "eItems\":true}]},\"format\":{\"type\":\"string\"},\"contentMediaType"
	    "\":{\"type\":\"string\"},\"contentEncoding\":{\"type\":\"string\"},\""
	    "if\":{\"$ref\":\"#\"},\"then\":{\"$ref\":\"#\"},\"else\":{\"$ref\":\""
	    "#\"},\"allOf\":{\"$ref\":\"#/definitions/schemaArray\"},\"anyOf\":{\""
	    "$ref\":\"#/definitions/schemaArray\"},\"oneOf\":{\"$ref\":\"#/defini"
	    "tions/schemaArray\"},\"not\":{\"$ref\":\"#\"}},\"default\":true}" },
};

const char *
sch_meta_text(const char *uri, size_t len)
{
	size_t i;

	/* An empty fragment names the same document. */
	if (len > 0 && uri[len - 1] == '#')
		len--;
	for (i = 0; i < sizeof metas / sizeof metas[0]; i++) {
		if (strlen(metas[i].uri) == len && memcmp(metas[i].uri, uri, len) == 0)
			return metas[i].text;
	}
	return NULL;
}
