# Inputs of the job-run launcher stack. Names follow Resource Manager conventions
# (tenancy_ocid, compartment_ocid and region are prefilled there). Optional OCIDs use ""
# for "not given"; the resolved values live in locals (main.tf).

# ---------------------------------------------------------------------------- placement

variable "tenancy_ocid" {
  description = "OCID of the tenancy. Dynamic groups are created in it (they always live in the tenancy)."
  type        = string

  validation {
    condition     = can(regex("^ocid1\\.tenancy\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.tenancy_ocid))
    error_message = "tenancy_ocid must be a tenancy OCID (ocid1.tenancy.oc1..…)."
  }
}

variable "region" {
  description = "Region to deploy into, e.g. eu-frankfurt-1. Authentication is taken from the environment, never from variables."
  type        = string

  # Commercial (eu-frankfurt-1), government (us-gov-ashburn-1, uk-gov-london-1) and
  # dedicated or sovereign (eu-dcc-milan-1) region identifiers.
  validation {
    condition     = can(regex("^[a-z]{2,3}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must be a region identifier such as eu-frankfurt-1, us-gov-ashburn-1 or eu-dcc-milan-1."
  }
}

variable "home_region" {
  description = "The tenancy's home region (IAM writes must go there). Empty: same as region."
  type        = string
  default     = ""

  validation {
    condition     = var.home_region == "" || can(regex("^[a-z]{2,3}(-[a-z]+)+-[0-9]+$", var.home_region))
    error_message = "home_region must be empty or a region identifier such as us-ashburn-1 or us-gov-ashburn-1."
  }
}

variable "compartment_ocid" {
  description = "Compartment for the function, its application, the spec bucket, the Events rule, the API gateway and the logs."
  type        = string

  validation {
    condition     = can(regex("^ocid1\\.(compartment|tenancy)\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.compartment_ocid))
    error_message = "compartment_ocid must be a compartment (or tenancy) OCID."
  }
}

variable "policy_compartment_ocid" {
  description = "Compartment the IAM policies are attached to. It must be a common ancestor of every compartment the statements name (compartment_ocid, job, output bucket, repository, log group). Empty: compartment_ocid."
  type        = string
  default     = ""

  validation {
    condition     = var.policy_compartment_ocid == "" || can(regex("^ocid1\\.(compartment|tenancy)\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.policy_compartment_ocid))
    error_message = "policy_compartment_ocid must be empty or a compartment (or tenancy) OCID."
  }
}

variable "name_prefix" {
  description = "Prefix of every display name, dynamic group and policy name created by this stack."
  type        = string
  default     = "jobrun-launcher"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-40 characters: lower-case letters, digits and '-', starting with a letter."
  }
}

variable "freeform_tags" {
  description = "Extra freeform tags for every taggable resource."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------- function

variable "function_subnet_id" {
  description = "Existing subnet (regional, private recommended) for the Functions application. Its route table needs a rule to a service gateway for All <region> Services in Oracle Services Network (or a NAT gateway): plan fails otherwise, see verify_subnet_routes."
  type        = string

  validation {
    condition     = can(regex("^ocid1\\.subnet\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.function_subnet_id))
    error_message = "function_subnet_id must be a subnet OCID (ocid1.subnet.…)."
  }
}

variable "function_nsg_ids" {
  description = "Network security groups for the Functions application (optional)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.function_nsg_ids : can(regex("^ocid1\\.networksecuritygroup\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", id))])
    error_message = "function_nsg_ids must contain network security group OCIDs only."
  }
}

variable "verify_subnet_routes" {
  description = "Read the route tables of function_subnet_id (and of a PRIVATE gateway's subnet) at plan time and fail with a clear message when no rule reaches the Oracle Services Network (service gateway; NAT for the function subnet). Turn off only when routing is managed where the stack can't read it (route table in another compartment, transit routing)."
  type        = bool
  default     = true
}

variable "function_shape" {
  description = "Processor architecture of the Functions application; it must match the image (fn build on Apple silicon makes ARM images)."
  type        = string
  default     = "GENERIC_X86"

  validation {
    condition     = contains(["GENERIC_X86", "GENERIC_ARM", "GENERIC_X86_ARM"], var.function_shape)
    error_message = "function_shape must be GENERIC_X86, GENERIC_ARM or GENERIC_X86_ARM."
  }
}

variable "function_image" {
  description = "Function image in OCIR as pushed by the README's deploy path, e.g. fra.ocir.io/<namespace>/jobrun-launcher:0.1.0; its repository lives in repository_compartment_id (push it before apply: the function can't be created without it)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.ocir\\.io|ocir\\.[a-z0-9-]+\\.oci\\.oraclecloud\\.com)/[a-z0-9-]+/[a-z0-9._/-]+(:[A-Za-z0-9._-]+(@sha256:[a-f0-9]{64})?|@sha256:[a-f0-9]{64})$", var.function_image))
    error_message = "function_image must be an OCIR image reference <region-key>.ocir.io/<namespace>/<repo>:<tag> (or @sha256:<digest>)."
  }
}

variable "function_memory_in_mbs" {
  description = "Function memory in MB. 256 is the documented default: the process with the OCI SDK loaded measures 60-90 MB, so 128 leaves little headroom."
  type        = number
  default     = 256

  validation {
    condition     = contains([128, 256, 512, 1024, 2048, 3072], var.function_memory_in_mbs)
    error_message = "function_memory_in_mbs must be one of 128, 256, 512, 1024, 2048, 3072."
  }
}

variable "function_timeout_in_seconds" {
  description = "Function timeout in seconds (5-300). 60 is the documented default: the function answers before Fn-Deadline and retries Data Science throttling within that budget."
  type        = number
  default     = 60

  validation {
    condition     = var.function_timeout_in_seconds >= 5 && var.function_timeout_in_seconds <= 300 && floor(var.function_timeout_in_seconds) == var.function_timeout_in_seconds
    error_message = "function_timeout_in_seconds must be a whole number between 5 and 300."
  }
}

# ---------------------------------------------------------------------------- the job

variable "job_ocid" {
  description = "The prebuilt BYOC Data Science job every run is created from (function config JOB_OCID)."
  type        = string

  validation {
    condition     = can(regex("^ocid1\\.datasciencejob\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.job_ocid))
    error_message = "job_ocid must be a Data Science job OCID (ocid1.datasciencejob.…)."
  }
}

variable "job_compartment_id" {
  description = "Compartment of the job, its project and the job runs it creates; it must hold no other Data Science job (the job runs' grants can only name a compartment). Empty: the job's own compartment, read from the job."
  type        = string
  default     = ""

  validation {
    condition     = var.job_compartment_id == "" || can(regex("^ocid1\\.(compartment|tenancy)\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.job_compartment_id))
    error_message = "job_compartment_id must be empty or a compartment OCID."
  }
}

variable "job_log_group_id" {
  description = "Log group of the job runs' logs. Empty: the job's own log group (its log configuration), if it has one. The function may create logs in it (runs with enableAutoLogCreation) and search it (the logs operation); the runs may write to it. Specs that name a logGroupId must name this one."
  type        = string
  default     = ""

  validation {
    condition     = var.job_log_group_id == "" || can(regex("^ocid1\\.loggroup\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.job_log_group_id))
    error_message = "job_log_group_id must be empty or a log group OCID (ocid1.loggroup.…)."
  }
}

variable "repository_compartment_id" {
  description = "Compartment of the OCIR repositories of both images (create them there before the first push: a push that creates a repository puts it in the root compartment). Job runs get read repos here only. Empty: compartment_ocid. Never widened to the tenancy."
  type        = string
  default     = ""

  validation {
    condition     = var.repository_compartment_id == "" || can(regex("^ocid1\\.(compartment|tenancy)\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.repository_compartment_id))
    error_message = "repository_compartment_id must be empty or a compartment OCID."
  }
}

variable "output_bucket_name" {
  description = "Existing bucket the job runs write their results to (outputFolder / outputUri)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.output_bucket_name))
    error_message = "output_bucket_name must be a bucket name (letters, digits, '.', '_', '-')."
  }
}

variable "output_prefix" {
  description = "Folder (object-name prefix ending in '/') of the output bucket the job runs may write under, e.g. \"runs/\": every spec's outputFolder / outputUri must lie under oci://<output_bucket_name>@<namespace>/<output_prefix>. The runs may only create objects there (OBJECT_CREATE, OBJECT_INSPECT), never read, overwrite or delete."
  type        = string

  validation {
    condition     = can(regex("^[^*\\s][^*]*/$", var.output_prefix))
    error_message = "output_prefix must be a folder: not empty, ending with '/', no '*'."
  }
}

variable "output_bucket_compartment_id" {
  description = "Compartment of the output bucket. Empty: compartment_ocid."
  type        = string
  default     = ""

  validation {
    condition     = var.output_bucket_compartment_id == "" || can(regex("^ocid1\\.(compartment|tenancy)\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.output_bucket_compartment_id))
    error_message = "output_bucket_compartment_id must be empty or a compartment OCID."
  }
}

# ---------------------------------------------------------------------------- specs

variable "spec_bucket_name" {
  description = "Name of the spec bucket this stack creates (object events on). Specs are uploaded here."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,256}$", var.spec_bucket_name))
    error_message = "spec_bucket_name must be a bucket name (letters, digits, '.', '_', '-')."
  }
}

variable "spec_prefix" {
  description = "Folder (object-name prefix ending in '/') of the spec bucket that specs and oci:// notebooks live under. It is the function's SPEC_ALLOWLIST, the Events rule's filter, and the only part of the bucket the function and the job runs may read."
  type        = string
  default     = "specs/"

  validation {
    condition     = can(regex("^[^*\\s][^*]*/$", var.spec_prefix))
    error_message = "spec_prefix must be a folder: not empty, ending with '/', no '*' (an entry without '/' would also match its neighbours: specs/team-a matches specs/team-admin/)."
  }
}

variable "spec_bucket_versioning" {
  description = "Keep previous versions of overwritten specs (the run records the eTag it read)."
  type        = bool
  default     = true
}

variable "spec_bucket_kms_key_id" {
  description = "Vault key to encrypt the spec bucket with (optional; Oracle-managed keys otherwise). Object Storage needs a policy to use the key."
  type        = string
  default     = ""

  validation {
    condition     = var.spec_bucket_kms_key_id == "" || can(regex("^ocid1\\.key\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9-]+$", var.spec_bucket_kms_key_id))
    error_message = "spec_bucket_kms_key_id must be empty or a Vault key OCID (ocid1.key.…)."
  }
}

variable "spec_env_var" {
  description = "Function config SPEC_ENV_VAR: environment variable through which the job run receives the spec location (the seed container reads NOTEPAD_YAML_URL)."
  type        = string
  default     = "NOTEPAD_YAML_URL"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]*$", var.spec_env_var))
    error_message = "spec_env_var must be an environment variable name."
  }
}

variable "max_spec_bytes" {
  description = "Function config MAX_SPEC_BYTES: larger specs are refused (1 - 1048576)."
  type        = number
  default     = 65536

  validation {
    condition     = var.max_spec_bytes >= 1 && var.max_spec_bytes <= 1048576 && floor(var.max_spec_bytes) == var.max_spec_bytes
    error_message = "max_spec_bytes must be a whole number between 1 and 1048576."
  }
}

variable "max_active_runs" {
  description = "Function config MAX_ACTIVE_RUNS: cap on the job's ACCEPTED/IN_PROGRESS/NEEDS_ATTENTION runs (1 - 10000), a cost guard on by default. null: not set, no cap."
  type        = number
  default     = 10

  validation {
    condition = (
      coalesce(var.max_active_runs, 1) >= 1 &&
      coalesce(var.max_active_runs, 1) <= 10000 &&
      floor(coalesce(var.max_active_runs, 1)) == coalesce(var.max_active_runs, 1)
    )
    error_message = "max_active_runs must be null or a whole number between 1 and 10000."
  }
}

variable "allowed_shapes" {
  description = "Function config ALLOWED_SHAPES: the shapes a spec may ask for (a spec naming another shape is refused). Empty (default): no spec may override the job's shape."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for shape in var.allowed_shapes : can(regex("^[A-Za-z0-9][A-Za-z0-9._-]*$", shape))])
    error_message = "allowed_shapes must hold shape names such as VM.Standard.E4.Flex."
  }
}

variable "max_block_storage_gbs" {
  description = "Function config MAX_BLOCK_STORAGE_GBS: the largest block storage (GB) a spec may ask for."
  type        = number
  default     = 1024

  validation {
    condition     = var.max_block_storage_gbs >= 50 && var.max_block_storage_gbs <= 10240 && floor(var.max_block_storage_gbs) == var.max_block_storage_gbs
    error_message = "max_block_storage_gbs must be a whole number of GB between 50 and 10240."
  }
}

variable "max_runtime_minutes" {
  description = "Function config MAX_RUNTIME_MINUTES: the longest maximumRuntimeInMinutes a spec or request may ask for (default 1440, a day)."
  type        = number
  default     = 1440

  validation {
    condition     = var.max_runtime_minutes >= 1 && var.max_runtime_minutes <= 43200 && floor(var.max_runtime_minutes) == var.max_runtime_minutes
    error_message = "max_runtime_minutes must be a whole number of minutes between 1 and 43200 (30 days)."
  }
}

variable "error_status" {
  description = "Function config ERROR_STATUS: status of a failed direct invocation, 200 (body says ok:false; Data Integration and Events see the details) or 502."
  type        = number
  default     = 200

  validation {
    condition     = contains([200, 502], var.error_status)
    error_message = "error_status must be 200 or 502."
  }
}

# ---------------------------------------------------------------------------- logging

variable "enable_function_log" {
  description = "Create a service log (functions / invoke) for the application's stdout/stderr."
  type        = bool
  default     = true
}

variable "function_log_group_id" {
  description = "Existing log group for the function log. Empty: a log group <name_prefix>-logs is created."
  type        = string
  default     = ""

  validation {
    condition     = var.function_log_group_id == "" || can(regex("^ocid1\\.loggroup\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.function_log_group_id))
    error_message = "function_log_group_id must be empty or a log group OCID."
  }
}

variable "function_log_retention_days" {
  description = "Retention of the function log in days (30-180, a multiple of 30)."
  type        = number
  default     = 30

  validation {
    condition     = contains([30, 60, 90, 120, 150, 180], var.function_log_retention_days)
    error_message = "function_log_retention_days must be 30, 60, 90, 120, 150 or 180."
  }
}

# ---------------------------------------------------------------------------- API Gateway

variable "api_gateway_subnet_id" {
  description = "Existing subnet for the API gateway. Empty: no gateway, deployment or gateway policy is created. For a PRIVATE gateway its route table needs a service gateway rule (All <region> Services in Oracle Services Network) so the gateway reaches the function; plan checks it (verify_subnet_routes)."
  type        = string
  default     = ""

  validation {
    condition     = var.api_gateway_subnet_id == "" || can(regex("^ocid1\\.subnet\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.api_gateway_subnet_id))
    error_message = "api_gateway_subnet_id must be empty or a subnet OCID."
  }
}

variable "api_gateway_endpoint_type" {
  description = "PRIVATE (default: reachable only inside the VCN) or PUBLIC. A PUBLIC gateway without api_auth_* is open to anyone who can reach it."
  type        = string
  default     = "PRIVATE"

  validation {
    condition     = contains(["PRIVATE", "PUBLIC"], var.api_gateway_endpoint_type)
    error_message = "api_gateway_endpoint_type must be PRIVATE or PUBLIC."
  }
}

variable "api_gateway_nsg_ids" {
  description = "Network security groups for the gateway (optional) — the way to restrict an anonymous deployment to known clients."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.api_gateway_nsg_ids : can(regex("^ocid1\\.networksecuritygroup\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", id))])
    error_message = "api_gateway_nsg_ids must contain network security group OCIDs only."
  }
}

variable "api_path_prefix" {
  description = "Path prefix of the deployment; routes are <prefix>/runs, <prefix>/runs/validate, <prefix>/runs/{jobRunId} and <prefix>/runs/{jobRunId}/logs."
  type        = string
  default     = "/v1"

  validation {
    condition     = can(regex("^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$", var.api_path_prefix))
    error_message = "api_path_prefix must start with '/' and not end with '/', e.g. /v1."
  }
}

variable "api_rate_limit_per_second" {
  description = "Deployment rate limit in requests per second (each run request creates a job run: keep it low)."
  type        = number
  default     = 10

  validation {
    condition     = var.api_rate_limit_per_second >= 1 && var.api_rate_limit_per_second <= 10000 && floor(var.api_rate_limit_per_second) == var.api_rate_limit_per_second
    error_message = "api_rate_limit_per_second must be a whole number between 1 and 10000."
  }
}

variable "api_rate_limit_key" {
  description = "Rate limit per CLIENT_IP or TOTAL for the deployment."
  type        = string
  default     = "CLIENT_IP"

  validation {
    condition     = contains(["CLIENT_IP", "TOTAL"], var.api_rate_limit_key)
    error_message = "api_rate_limit_key must be CLIENT_IP or TOTAL."
  }
}

variable "api_auth_issuer" {
  description = "JWT/OIDC issuer (iss) accepted by the deployment, e.g. https://idcs-<id>.identity.oraclecloud.com/. Set api_auth_issuer, api_auth_audience and api_auth_jwks_uri together; all empty = anonymous deployment."
  type        = string
  default     = ""

  validation {
    condition     = var.api_auth_issuer == "" || can(regex("^https://", var.api_auth_issuer))
    error_message = "api_auth_issuer must be empty or an https:// URL."
  }
}

variable "api_auth_audience" {
  description = "JWT audience (aud) the deployment requires. With JWT on, each route also requires a scope: runs:launch (POST /runs, POST /runs/validate), runs:read (GET status, list, logs), runs:cancel (DELETE)."
  type        = string
  default     = ""
}

variable "api_auth_jwks_uri" {
  description = "JWKS URL of the issuer (the jwks_uri of its OIDC discovery document, e.g. https://idcs-<id>.identity.oraclecloud.com/admin/v1/SigningCert/jwk)."
  type        = string
  default     = ""

  validation {
    condition     = var.api_auth_jwks_uri == "" || can(regex("^https://", var.api_auth_jwks_uri))
    error_message = "api_auth_jwks_uri must be empty or an https:// URL."
  }
}

# ---------------------------------------------------------------------------- Data Integration

variable "di_workspace_id" {
  description = "Existing Data Integration workspace to create the REST task in. Empty: nothing Data Integration related is created."
  type        = string
  default     = ""

  validation {
    condition     = var.di_workspace_id == "" || can(regex("^ocid1\\.disworkspace\\.oc[0-9]+\\.[a-z0-9-]*\\.[a-z0-9]+$", var.di_workspace_id))
    error_message = "di_workspace_id must be empty or a Data Integration workspace OCID (ocid1.disworkspace.…)."
  }
}

variable "di_project_key" {
  description = "Key of the Data Integration project (or folder) the task is saved in (registry aggregator key). Required with di_workspace_id."
  type        = string
  default     = ""
}

variable "di_task_name" {
  description = "Name of the Data Integration REST task."
  type        = string
  default     = "Run Data Science job from spec"
}

variable "di_task_identifier" {
  description = "Identifier of the REST task (upper-case letters, digits, '_'; can't be changed after creation)."
  type        = string
  default     = "RUN_DATA_SCIENCE_JOB_FROM_SPEC"

  validation {
    condition     = can(regex("^[A-Z_][A-Z0-9_]{0,254}$", var.di_task_identifier))
    error_message = "di_task_identifier must be upper-case letters, digits and '_', starting with a letter or '_'."
  }
}

variable "di_default_spec_location" {
  description = "Default of the task's SPEC_LOCATION parameter (override it per run). Empty: oci://<spec_bucket_name>@<namespace>/<spec_prefix>job.yaml."
  type        = string
  default     = ""

  validation {
    condition     = var.di_default_spec_location == "" || can(regex("^oci://[A-Za-z0-9._-]+@[a-z0-9-]+/.+$", var.di_default_spec_location))
    error_message = "di_default_spec_location must be empty or oci://bucket@namespace/object."
  }
}

variable "di_idempotency_key_default" {
  description = "Default of the task's IDEMPOTENCY_KEY parameter, sent as idempotencyKey. A key reused within 24 h returns the first run instead of creating one, so it must differ per logical run: the default is Data Integration's per-run system parameter."
  type        = string
  default     = "$${SYS.TASK_RUN_KEY}"

  validation {
    condition     = length(var.di_idempotency_key_default) > 0 && length(var.di_idempotency_key_default) <= 255
    error_message = "di_idempotency_key_default must be 1-255 characters."
  }
}

variable "data_science_endpoint" {
  description = "Data Science endpoint the REST task polls and cancels runs at. Empty: https://datascience.<region>.oci.oraclecloud.com (the commercial realm); set it for regions of other realms (government, dedicated), e.g. from `oci data-science job-run get --debug`."
  type        = string
  default     = ""

  validation {
    condition     = var.data_science_endpoint == "" || can(regex("^https://[a-z0-9.-]+$", var.data_science_endpoint))
    error_message = "data_science_endpoint must be empty or https://<host> without a path."
  }
}

variable "di_poll_interval_seconds" {
  description = "How often the task polls the job run (seconds)."
  type        = number
  default     = 60

  validation {
    condition     = var.di_poll_interval_seconds >= 10 && var.di_poll_interval_seconds <= 3600 && floor(var.di_poll_interval_seconds) == var.di_poll_interval_seconds
    error_message = "di_poll_interval_seconds must be a whole number between 10 and 3600."
  }
}

variable "di_poll_max_duration_seconds" {
  description = "How long the task waits for the job run before giving up (seconds); keep it above the job's maximum runtime."
  type        = number
  default     = 21600

  validation {
    condition     = var.di_poll_max_duration_seconds >= 60 && var.di_poll_max_duration_seconds <= 604800 && floor(var.di_poll_max_duration_seconds) == var.di_poll_max_duration_seconds
    error_message = "di_poll_max_duration_seconds must be a whole number between 60 and 604800 (7 days)."
  }
}

# ---------------------------------------------------------------------------- schedules

variable "schedules" {
  description = "Specs to run on a schedule: name => {spec_location, recurrence, recurrence_type (CRON or ICAL), optional display_name, environment_variables, command_line_arguments, maximum_runtime_in_minutes, freeform_tags, enabled}. One Resource Scheduler schedule per entry invokes the function with a direct-invocation body tagged schedule=<name>. Empty (default): nothing is created."
  type = map(object({
    spec_location              = string
    recurrence                 = string
    recurrence_type            = optional(string, "CRON")
    display_name               = optional(string)
    environment_variables      = optional(map(string))
    command_line_arguments     = optional(string)
    maximum_runtime_in_minutes = optional(number)
    freeform_tags              = optional(map(string), {})
    enabled                    = optional(bool, true)
  }))
  default = {}

  validation {
    condition     = alltrue([for name in keys(var.schedules) : can(regex("^[a-z0-9][a-z0-9-]{0,29}$", name))])
    error_message = "schedules: names must be 1-30 lower-case letters, digits and '-' (they become display names, policy names and the schedule tag)."
  }

  validation {
    condition     = alltrue([for s in values(var.schedules) : can(regex("^(oci://[A-Za-z0-9._-]+@[a-z0-9-]+/.+|https://.+/n/[^/]+/b/[^/]+/o/.+)$", s.spec_location))])
    error_message = "schedules: spec_location must be oci://bucket@namespace/object or an Object Storage https URL (/n/<ns>/b/<bucket>/o/<object>), as in a direct invocation."
  }

  validation {
    condition = alltrue([for s in values(var.schedules) : (
      s.recurrence_type == "CRON" ? can(regex("^\\S+(\\s+\\S+){4}$", trimspace(s.recurrence))) :
      s.recurrence_type == "ICAL" ? can(regex("^FREQ=(MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)(;[A-Z]+=[A-Za-z0-9,+-]+)*$", s.recurrence)) :
      false
    )])
    error_message = "schedules: recurrence_type is CRON (recurrence: five cron fields, e.g. \"0 2 * * *\") or ICAL (an RFC 5545 rule without the RRULE: prefix, e.g. \"FREQ=DAILY;BYHOUR=2;BYMINUTE=0\")."
  }

  validation {
    condition     = alltrue([for s in values(var.schedules) : s.maximum_runtime_in_minutes == null || try(s.maximum_runtime_in_minutes >= 1 && floor(s.maximum_runtime_in_minutes) == s.maximum_runtime_in_minutes, false)])
    error_message = "schedules: maximum_runtime_in_minutes must be a whole number of minutes, at least 1."
  }
}

# ---------------------------------------------------------------------------- notifications

variable "run_notification_subscriptions" {
  description = "Who hears when a job run in the job's compartment ends: name => {protocol, endpoint}, protocol EMAIL (an address), CUSTOM_HTTPS, SLACK or PAGERDUTY (an https URL). Empty (default): no topic, rule or policy is created. Sensitive: Slack and PagerDuty URLs carry their secret."
  type = map(object({
    protocol = string
    endpoint = string
  }))
  default   = {}
  sensitive = true

  validation {
    condition     = alltrue([for name in keys(var.run_notification_subscriptions) : can(regex("^[a-z0-9][a-z0-9-]{0,29}$", name))])
    error_message = "run_notification_subscriptions: names must be 1-30 lower-case letters, digits and '-'."
  }

  validation {
    condition     = alltrue([for s in values(var.run_notification_subscriptions) : contains(["EMAIL", "CUSTOM_HTTPS", "SLACK", "PAGERDUTY"], s.protocol)])
    error_message = "run_notification_subscriptions: protocol must be EMAIL, CUSTOM_HTTPS, SLACK or PAGERDUTY."
  }

  validation {
    condition = alltrue([for s in values(var.run_notification_subscriptions) : (
      s.protocol == "EMAIL" ? can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", s.endpoint)) : can(regex("^https://[^\\s]{1,504}$", s.endpoint))
    )])
    error_message = "run_notification_subscriptions: an EMAIL endpoint is an address; CUSTOM_HTTPS, SLACK and PAGERDUTY endpoints are https:// URLs of at most 512 characters."
  }
}

variable "run_notification_outcomes" {
  description = "Which job-run endings are notified: any of succeeded, failed, timed_out, canceled (default: all four). Used only with run_notification_subscriptions."
  type        = list(string)
  default     = ["succeeded", "failed", "timed_out", "canceled"]

  validation {
    condition     = length(var.run_notification_outcomes) > 0 && alltrue([for o in var.run_notification_outcomes : contains(["succeeded", "failed", "timed_out", "canceled"], o)])
    error_message = "run_notification_outcomes: one or more of succeeded, failed, timed_out, canceled."
  }
}
