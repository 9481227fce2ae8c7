"""Texts that directors and outside checks rely on word for word."""

INACTIVE_PROVIDER = "Inactive KinderTrack provider ID."
ALREADY_SUBMITTED = "External Subsidy Report Error - attendance has already been submitted."

CORRECTED_CLAIM_CONTACT = (
    "Corrected claims cannot be made through the integration. Contact HHS CCA Payments "
    "and Registration, Human Services River Place Office, 2309 Euclid Avenue, "
    "Des Moines, IA 50310-9930; phone 866-448-4605 (toll-free); fax 515 564-4032."
)

ASK_FOR_LINK_CODE = (
    "Your center's KinderTrack administrator authorizes Rollcall in the KinderTrack portal "
    "and gets a one-time link code (valid 7 days); register with the provider ID and that code."
)


def held_elsewhere(submission_id: str) -> str:
    """The director's answer when KinderTrack holds a submission for the period that
    Rollcall did not send (someone used the KinderTrack portal)."""
    shown = submission_id if len(submission_id) <= 64 else submission_id[:63] + "…"
    return (
        f"KinderTrack already holds a submission for this pay period that Rollcall did not "
        f"send (KinderTrack's ID {shown}; perhaps it was entered in the KinderTrack "
        f"portal). Rollcall sent nothing. {ALREADY_SUBMITTED} {CORRECTED_CLAIM_CONTACT}"
    )
