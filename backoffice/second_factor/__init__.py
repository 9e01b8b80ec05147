"""A second factor for the admin: TOTP (an authenticator app) with single-use recovery codes (django-otp).

- `forms.SecondFactorLoginForm` is the admin's login form: after the password, a user with a
  confirmed device must give a current code or a recovery code (a wrong one counts as a failed
  login for the lockout, like a wrong password).
- `middleware.AdminSecondFactorMiddleware`: with `ADMIN_REQUIRE_2FA`, finance staff (superusers and
  the `finance` group) reach no admin page until their session is verified; one without a device is
  led to enrol it first (`views.setup`), which ends verified and shows ten recovery codes once.
- A lost phone: another finance administrator deletes the user's device in the admin ("OTP_TOTP" /
  "OTP_Static"); the user enrols again at the next login.
"""
