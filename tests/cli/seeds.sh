#!/bin/sh
# The outcomes of the two seed documents, reproduced with the shipped
# example policy: app downscoping on the payment API, and a user's token
# for two store APIs (RFC 8707 section 2.2), downscoped per resource.
. "$top_srcdir/tests/cli/lib.sh"

policy=$top_srcdir/policies
payment=https://payment.example.com/api
api1=https://api-1.store.io
api2=https://api-2.store.io

# grant_is EXPECTED ARG...: writ grant -p POLICY ARG... prints EXPECTED.
grant_is() {
	want=$1
	shift
	if expect_exit 0 "$WRIT" grant --policy "$policy" "$@"; then
		expect_output stdout "$want"
		expect_output stderr ''
	fi
}

# Machine to machine: the cart service may create payments, not read them.
grant_is "$payment${tab}write:payment" \
	--client cart-service --resource "$payment" --scope write:payment
grant_is "$payment${tab}write:payment" \
	--client cart-service --resource "$payment" --scope 'write:payment read:payment'
grant_is "$payment$tab" \
	--client cart-service --resource "$payment" --scope read:payment
# ... and the reconciliation job the other way round.
grant_is "$payment${tab}read:payment" \
	--client reconciliation --resource "$payment" --scope 'write:payment read:payment'

# A user across two APIs: write:order exists on api-1 only.
grant_is "$api1${tab}read:order write:order$nl$api2${tab}read:order" \
	--user alice --resource "$api1" --resource "$api2" --scope 'read:order write:order'
# A scope no resource declares is dropped.
grant_is "$api1${tab}read:order write:order" \
	--user alice --resource "$api1" --scope 'read:order write:order custom_data'
grant_is "$api1${tab}read:order$nl$api2${tab}read:order" \
	--user alice --resource "$api1" --resource "$api2" --scope read:order
# Holding write:order on api-1 gives nothing on api-2.
grant_is "$api2${tab}read:order" \
	--user alice --resource "$api2" --scope 'read:order write:order'

finish
