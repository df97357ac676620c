"""Practising on the phone: the trainee's recording, its transcript, the voice signals,
and the customer's spoken message."""
