/*
 * The AWS shared credentials and config files, read as the AWS CLI reads them.
 *
 * Files: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials) and
 * AWS_CONFIG_FILE (default ~/.aws/config); a leading "~/" in either
 * variable means $HOME. A missing file is not an error.
 *
 * Syntax (Python configparser, which the AWS CLI uses): "[section]" lines,
 * "key = value" or "key: value" lines (split at the first '=' or ':', key
 * lower-cased, both sides trimmed), full-line comments starting with '#' or
 * ';', and indented lines that continue the previous value (used for
 * nested settings such as "s3 =" blocks). These are errors whose message
 * names the file and the line: a key before any section, any other kind of
 * line, an unterminated "[", and a repeated section or key.
 *
 * Profiles: in the credentials file a section name is the profile name; in
 * the config file a profile is "[profile NAME]" or "[default]" (a bare
 * "[NAME]" is not a profile there). The profile is the explicit argument,
 * else AWS_PROFILE, else "default". Settings of a profile are looked up in
 * the credentials file first, then in the config file.
 *
 * Ownership: the structs own their strings; values are wiped when cleared,
 * because the files hold secret keys.
 */
#ifndef ANN_AWSCONFIG_H
#define ANN_AWSCONFIG_H

#include <stddef.h>

#include "err.h"

/* Largest settings file read; real ones are a few kilobytes. */
#define ANN_AWSCONFIG_MAX_FILE (1024 * 1024)

struct ann_aws_setting {
	char *key;
	char *value;
	unsigned line;
};

struct ann_aws_section {
	char *name;  /* as written between the brackets, trimmed */
	unsigned line;
	struct ann_aws_setting *settings;
	size_t n;
	size_t cap;
};

struct ann_aws_file {
	char *path;  /* NULL when no path could be formed (HOME unset) */
	int exists;
	struct ann_aws_section *sections;
	size_t n;
	size_t cap;
};

/* Reads path into f; a missing file leaves f empty with exists = 0. */
int ann_aws_file_load(struct ann_aws_file *f, const char *path, struct ann_error *e);
void ann_aws_file_clear(struct ann_aws_file *f);
const struct ann_aws_section *ann_aws_file_section(const struct ann_aws_file *f,
    const char *name);
const struct ann_aws_setting *ann_aws_section_get(const struct ann_aws_section *s,
    const char *key);

struct ann_aws_config {
	char profile[128];
	const char *profile_from;  /* "argument", "AWS_PROFILE" or "default" */
	struct ann_aws_file credentials;
	struct ann_aws_file config;
	const struct ann_aws_section *cred_section;    /* NULL when absent */
	const struct ann_aws_section *config_section;  /* NULL when absent */
};

/*
 * Loads both files and selects the profile (profile may be NULL). A profile
 * chosen by argument or AWS_PROFILE that neither file defines is an
 * ANN_ERR_CONFIG error; the default profile may be absent.
 */
int ann_aws_config_load(struct ann_aws_config *c, const char *profile, struct ann_error *e);
void ann_aws_config_clear(struct ann_aws_config *c);

/* Looks key up in the profile; *path (when not NULL) gets the file it came from. */
const struct ann_aws_setting *ann_aws_config_get(const struct ann_aws_config *c,
    const char *key, const char **path);

/* Returns a malloc'd path from variable env or $HOME/default_rel, or NULL. */
char *ann_aws_file_path(const char *env, const char *default_rel);

#endif
