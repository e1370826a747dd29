(call_expression function: (identifier) @name (#set! ref "call"))
(call_expression function: (selector_expression operand: (_) @object field: (field_identifier) @name) (#set! ref "call"))
(composite_literal type: (type_identifier) @name (#set! ref "new"))
((type_identifier) @name (#set! ref "type"))
