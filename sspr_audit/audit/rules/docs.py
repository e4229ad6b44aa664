"""Microsoft documentation the rules link to."""

HOW_IT_WORKS = "https://learn.microsoft.com/entra/identity/authentication/concept-sspr-howitworks"
PREPOPULATE = "https://learn.microsoft.com/entra/identity/authentication/howto-sspr-authenticationdata"
ADMIN_POLICY = (
    "https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy"
    "#administrator-reset-policy-differences"
)
REGISTRATION_REPORT = "https://learn.microsoft.com/graph/api/resources/userregistrationdetails"
PHONE_METHOD = "https://learn.microsoft.com/graph/api/resources/phoneauthenticationmethod"
WRITEBACK = "https://learn.microsoft.com/entra/identity/authentication/concept-sspr-writeback"
EMAIL_METHOD = "https://learn.microsoft.com/entra/identity/authentication/concept-authentication-methods"
SMS_VOICE_RETIREMENT = "https://learn.microsoft.com/entra/identity/authentication/concept-sms-voice-retirement-faq"
SSPR_REPORTING = "https://learn.microsoft.com/entra/identity/authentication/howto-sspr-reporting"
