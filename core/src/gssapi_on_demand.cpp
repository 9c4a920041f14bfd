// libgit2 uses GSS-API only for an https remote that asks for Kerberos ("Negotiate")
// authentication. Linked as usual, libgssapi_krb5 and the six libraries below it would be loaded
// and relocated at the start of every command (bench/startup-results.md). libgit2's static
// archive binds to these definitions instead, which load the library at the first call and
// forward to it; without the library, they answer as a GSS-API without mechanisms would.
#include <dlfcn.h>
#include <gssapi/gssapi.h>

#include <mutex>

namespace {

void* gssapi_symbol(const char* name) {
  static void* library = nullptr;
  static std::once_flag once;
  std::call_once(once, [] { library = dlopen("libgssapi_krb5.so.2", RTLD_NOW | RTLD_LOCAL); });
  return library ? dlsym(library, name) : nullptr;
}

template <typename F>
F* gssapi_function(F*, const char* name) {
  return reinterpret_cast<F*>(gssapi_symbol(name));
}

// The name type of "service@host" names; MIT's GSS-API compares name types by value.
gss_OID_desc hostbased_service{10, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04")};

}  // namespace

// Calls the library's function of the same name, or answers `unavailable` without it.
#define MREG_GSS_FORWARD(name, unavailable, ...)                      \
  static const auto real = gssapi_function(&name, #name);             \
  if (!real) return unavailable;                                      \
  return real(__VA_ARGS__)

extern "C" {

gss_OID GSS_C_NT_HOSTBASED_SERVICE = &hostbased_service;

OM_uint32 gss_init_sec_context(OM_uint32* minor, gss_cred_id_t cred, gss_ctx_id_t* context, gss_name_t target,
                               gss_OID mech, OM_uint32 req_flags, OM_uint32 time_req,
                               gss_channel_bindings_t bindings, gss_buffer_t input, gss_OID* actual_mech,
                               gss_buffer_t output, OM_uint32* ret_flags, OM_uint32* time_rec) {
  MREG_GSS_FORWARD(gss_init_sec_context, GSS_S_UNAVAILABLE, minor, cred, context, target, mech, req_flags,
                   time_req, bindings, input, actual_mech, output, ret_flags, time_rec);
}

OM_uint32 gss_delete_sec_context(OM_uint32* minor, gss_ctx_id_t* context, gss_buffer_t output) {
  MREG_GSS_FORWARD(gss_delete_sec_context, GSS_S_COMPLETE, minor, context, output);
}

OM_uint32 gss_display_status(OM_uint32* minor, OM_uint32 status, int type, gss_OID mech, OM_uint32* context,
                             gss_buffer_t text) {
  MREG_GSS_FORWARD(gss_display_status, GSS_S_UNAVAILABLE, minor, status, type, mech, context, text);
}

OM_uint32 gss_indicate_mechs(OM_uint32* minor, gss_OID_set* mechs) {
  MREG_GSS_FORWARD(gss_indicate_mechs, GSS_S_UNAVAILABLE, minor, mechs);
}

OM_uint32 gss_import_name(OM_uint32* minor, gss_buffer_t name, gss_OID type, gss_name_t* out) {
  MREG_GSS_FORWARD(gss_import_name, GSS_S_UNAVAILABLE, minor, name, type, out);
}

OM_uint32 gss_release_name(OM_uint32* minor, gss_name_t* name) {
  MREG_GSS_FORWARD(gss_release_name, GSS_S_COMPLETE, minor, name);
}

OM_uint32 gss_release_buffer(OM_uint32* minor, gss_buffer_t buffer) {
  MREG_GSS_FORWARD(gss_release_buffer, GSS_S_COMPLETE, minor, buffer);
}

OM_uint32 gss_release_oid_set(OM_uint32* minor, gss_OID_set* set) {
  MREG_GSS_FORWARD(gss_release_oid_set, GSS_S_COMPLETE, minor, set);
}

}  // extern "C"
