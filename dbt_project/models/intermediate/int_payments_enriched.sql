{#
    Payments matched to their invoices: one row per payment attempt with the invoice's
    due date and amount, the attempt number, and whether the payment failed or came late
    (succeeded after the due date). `late_known_date` is the day both the payment and its
    invoice had landed: the day the platform could know the payment was late.
#}
with

payments as (

    select * from {{ ref('stg_finance__payments') }}

),

invoices as (

    select * from {{ ref('stg_finance__invoices') }}

),

matched as (

    select
        payments.payment_id,
        payments.invoice_id,
        payments.account_id,
        payments.attempted_at,
        {{ to_date('payments.attempted_at') }} as attempted_date,
        payments.payment_amount,
        payments.payment_status,
        payments.payment_method,
        row_number() over (
            partition by payments.invoice_id
            order by payments.attempted_at, payments.payment_id
        ) as attempt_number,
        invoices.subscription_id,
        invoices.issued_at,
        invoices.due_date,
        invoices.invoice_amount,
        invoices.invoice_id is not null as has_invoice,
        payments.payment_status = 'failed' as is_failed,
        coalesce(
            payments.payment_status = 'succeeded'
            and {{ to_date('payments.attempted_at') }} > invoices.due_date,
            false
        ) as is_late,
        case
            when payments.payment_status = 'succeeded' and {{ to_date('payments.attempted_at') }} > invoices.due_date
                then {{ dbt.datediff('invoices.due_date', to_date('payments.attempted_at'), 'day') }}
        end as days_late,
        payments.first_landed_date,
        invoices.first_landed_date as invoice_first_landed_date,
        case
            when invoices.first_landed_date > payments.first_landed_date then invoices.first_landed_date
            else payments.first_landed_date
        end as late_known_date
    from payments
    left join invoices
        on payments.invoice_id = invoices.invoice_id

)

select * from matched
